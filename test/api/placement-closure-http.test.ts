/**
 * Shelter places and four-eyes closure over HTTP, on a real SQLite database and Temporal: the
 * free places route and its scope, the coordinator's choice of facility after a full province, and
 * a manager approving or rejecting a closure (the requester's own approval is a 403).
 */
import { createApiKey } from '../../src/auth/api-keys';
import { createApiHarness, waitForCase, type ApiHarness } from './support/harness';

let h: ApiHarness;
type State = { status: string; closureReason?: string; closureRequest?: { requestedBy: string }; tasks: { id: string; key: string; status: string }[]; history: { action: string; taskId?: string }[] };
const problem = (res: { body: unknown }) => res.body as { type: string; detail: string };

beforeAll(async () => {
  h = await createApiHarness();
  await h.db.prisma.supportFacility.createMany({
    data: [
      { id: 'dn-full', province: 'VN-DN', nameVi: 'Cơ sở A', nameEn: 'Facility A', ownership: 'public', dedicated: true, capacity: 2, occupied: 2 },
      { id: 'hn-national', province: 'VN-HN', nameVi: 'Trung tâm quốc gia', nameEn: 'National centre', ownership: 'public', dedicated: true, national: true, capacity: 1, occupied: 1 },
      { id: 'hn-local', province: 'VN-HN', nameVi: 'Cơ sở Hà Nội', nameEn: 'Ha Noi facility', ownership: 'public', capacity: 4 },
    ],
  });
});
afterAll(() => h?.close());

test('coordinators and managers read free places of their province and national facilities; other provinces are refused', async () => {
  const res = await h.call('coordinator', 'GET', '/facilities/free-places');
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ province: 'VN-DN', free: 0, nationalFree: 0 });
  expect((res.body as { items: { id: string; free: number }[] }).items.map((f) => [f.id, f.free])).toEqual([['dn-full', 0], ['hn-national', 0]]);
  expect((await h.call('manager', 'GET', '/facilities/free-places?province=VN-DN')).status).toBe(200);
  expect((await h.call('admin', 'GET', '/facilities/free-places?province=VN-HN')).body).toMatchObject({ province: 'VN-HN', free: 4 });
  expect((await h.call('coordinator', 'GET', '/facilities/free-places?province=VN-HN')).status).toBe(403);
  expect((await h.call('managerNational', 'GET', '/facilities/free-places')).status).toBe(400);
  expect((await h.call('coordinator', 'GET', '/facilities/free-places?province=XX')).status).toBe(400);
  expect((await h.call('staff', 'GET', '/facilities/free-places')).status).toBe(403);
});

test('a full province waits for the coordinator, who places the person in a facility with a free place', async () => {
  const code = await h.openJourney({ stage: 'support-services', plan: ['shelter-placement'] });
  await waitForCase<State>(h, code, (s) => s.history.some((e) => e.action === 'no-free-place'));
  const place = (who: string, body: unknown) => h.call(who, 'POST', `/cases/${code}/tasks/shelter-placement/placement`, { body });

  expect((await place('coordinator', { facilityId: 'hn-local' })).status).toBe(400); // another province's own facility
  expect((await place('coordinator', { facilityId: 'Bad Id' })).status).toBe(400);
  const full = await place('coordinator', { facilityId: 'dn-full' });
  expect(full.status).toBe(409);
  expect(problem(full).detail).toContain('no free place');
  expect((await place('staff', { facilityId: 'dn-full' })).status).toBe(403);

  await h.db.prisma.supportFacility.create({ data: { id: 'dn-new', province: 'VN-DN', nameVi: 'Cơ sở mới', nameEn: 'New facility', ownership: 'private', capacity: 1 } });
  const placed = await place('coordinator', { facilityId: 'dn-new' });
  expect(placed.status).toBe(200);
  expect(placed.body).toEqual({ taskId: `${code}/shelter-placement`, status: 'reserved' });
  expect((await h.call('coordinator', 'GET', '/facilities/free-places')).body).toMatchObject({ free: 0 });
  const row = await h.db.prisma.facilityPlacement.findUniqueOrThrow({ where: { taskId: `${code}/shelter-placement` } });
  expect(row).toMatchObject({ facilityId: 'dn-new', status: 'reserved' });
});

test('closure: the requester cannot approve (403); another manager approves and the case closes', async () => {
  const code = await h.openJourney({ stage: 'reception' });
  const asked = await h.call('coordinator', 'POST', `/cases/${code}/close`, { body: { reason: 'deceased' } });
  expect(asked.body).toEqual({ status: 'active', closureRequested: true });
  expect((await h.call('coordinator', 'POST', `/cases/${code}/close`, { body: { reason: 'deceased' } })).status).toBe(409);

  // The coordinator holds a manager credential too: still the same person.
  const { key: sameManager } = await createApiKey(h.db.prisma, { owner: 'same person', role: 'manager', agencyId: 'dn-health', province: 'VN-DN', staffId: 'dn-health-coordinator-1', expiresAt: new Date(Date.now() + 600_000), createdBy: 'test' });
  const own = await h.call(sameManager, 'POST', `/cases/${code}/closure/approve`);
  expect(own.status).toBe(403);
  expect(problem(own).detail).toMatch(/four eyes/);
  expect((await h.call('coordinator', 'POST', `/cases/${code}/closure/approve`)).status).toBe(403); // not a manager
  expect((await h.call('managerNational', 'POST', `/cases/${code}/closure/approve`)).status).toBe(403); // acts as no staff member
  expect((await waitForCase<State>(h, code, () => true)).closureRequest).toMatchObject({ requestedBy: 'dn-health-coordinator-1' });

  const approved = await h.call('manager', 'POST', `/cases/${code}/closure/approve`);
  expect(approved.status).toBe(200);
  expect(approved.body).toEqual({ status: 'closed', closureReason: 'deceased' });
  expect((await h.call('manager', 'POST', `/cases/${code}/closure/approve`)).status).toBe(409);
});

test('closure: a rejection withdraws the request and the case stays open', async () => {
  const code = await h.openJourney({ stage: 'reception' });
  await h.call('coordinator', 'POST', `/cases/${code}/close`, { body: { reason: 'transferred' } });
  expect((await h.call('manager', 'POST', `/cases/${code}/closure/reject`, { body: { reason: 'nope' } })).status).toBe(400);
  const rejected = await h.call('manager', 'POST', `/cases/${code}/closure/reject`, { body: { reason: 'support_not_finished' } });
  expect(rejected.status).toBe(200);
  expect(rejected.body).toEqual({ status: 'active' });
  const state = await waitForCase<State>(h, code, (s) => !s.closureRequest);
  expect(state.status).toBe('active');
  expect(state.tasks.find((t) => t.key === 'reception')?.status).toBe('open');
  expect((await h.db.prisma.case.findUniqueOrThrow({ where: { code } })).status).toBe('active');
});
