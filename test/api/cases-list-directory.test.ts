/**
 * Listing cases (filters, scope, paging), the directory's validation, and readiness when a
 * dependency is down. Real journeys (the suite's Temporal server, a worker), real SQLite.
 */
import { createApiHarness, uniqueCode, unreachableTemporal, type ApiHarness } from './support/harness';

let h: ApiHarness;
const A = uniqueCode('LA');
const B = uniqueCode('LB');
const C = uniqueCode('LC');

beforeAll(async () => {
  h = await createApiHarness();
  await Promise.all([
    // A in initial verification: dn-health and dn-police each hold an open task.
    h.openJourney({ code: A, stage: 'initial-verification' }),
    // B further on, providing two services of its plan (the police's tasks done, no shelter).
    h.openJourney({ code: B, stage: 'support-services', plan: ['medical-care', 'psychological-support'] }),
    h.openJourney({ code: C, province: 'VN-HN', leadAgencyId: 'hn-health' }),
  ]);
  // B is overdue: its medical care should have been acknowledged an hour ago.
  await h.db.prisma.task.update({ where: { id: `${B}/medical-care` }, data: { acknowledgeDueAt: new Date(Date.now() - 3_600_000) } });
});
afterAll(() => h?.close());

type List = { items: { caseCode: string; overdueTasks: number; openTasks: number; nextDeadline: string | null }[]; nextCursor: string | null };
const codes = async (who: string, query = '') => ((await h.call(who, 'GET', `/cases${query}`)).body as List).items.map((i) => i.caseCode);

test('filters: stage, overdue, agency, province', async () => {
  expect(await codes('coordinator', '?stage=initial-verification')).toEqual([A]);
  expect(await codes('coordinator', '?overdue=true')).toEqual([B]);
  expect(await codes('coordinator', '?overdue=false')).toEqual(expect.arrayContaining([A]));
  expect(await codes('coordinator', '?overdue=false')).not.toContain(B);
  expect(await codes('coordinator', '?agency=dn-police')).toEqual(expect.arrayContaining([A, B]));
  const b = ((await h.call('coordinator', 'GET', '/cases?overdue=true')).body as List).items[0]!;
  expect(b).toMatchObject({ overdueTasks: 1, openTasks: 2 });
});

test('scope: each caller sees their own cases only; naming another province is a 403', async () => {
  expect(await codes('coordinator')).not.toContain(C);
  expect(await codes('coordinatorHN')).toEqual([C]);
  expect(await codes('managerNational')).toEqual(expect.arrayContaining([A, B, C]));
  expect(await codes('staffShelter')).toEqual([]);
  expect(await codes('staffPolice')).toEqual(expect.arrayContaining([A, B]));
  expect((await h.call('coordinator', 'GET', '/cases?province=VN-HN')).status).toBe(403);
});

test('paging with a cursor walks every case once', async () => {
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const page: List = (await h.call('managerNational', 'GET', `/cases?limit=1${cursor ? `&cursor=${cursor}` : ''}`)).body as List;
    seen.push(...page.items.map((i) => i.caseCode));
    cursor = page.nextCursor;
  } while (cursor);
  expect(seen.sort()).toEqual([A, B, C].sort());
});

test.each([
  ['?overdue=yes', 'overdue'],
  ['?limit=0', 'limit'],
  ['?limit=abc', 'limit'],
  ['?province=XX', 'province'],
  ['?stage=Bad%20Stage', 'stage'],
  ['?unknown=1', ''],
])('GET /cases%s is a 400 naming %s', async (query, field) => {
  const res = await h.call('coordinator', 'GET', `/cases${query}`);
  expect(res.status).toBe(400);
  expect((res.body as { errors: { path: string }[] }).errors.map((e) => e.path).join(' ')).toContain(field);
});

test('directory: facilities with free places; capacity and duplicates are checked', async () => {
  const facility = { id: 'dn-facility-x', province: 'VN-DN', agencyId: 'dn-shelter', nameVi: 'Cơ sở X', nameEn: 'Facility X', ownership: 'public', dedicated: true, capacity: 12, occupied: 5 };
  expect((await h.call('admin', 'POST', '/directory/facilities', { body: facility })).body).toMatchObject({ available: 7, dedicated: true });
  expect((await h.call('admin', 'POST', '/directory/facilities', { body: facility })).status).toBe(409);
  expect((await h.call('admin', 'POST', '/directory/facilities', { body: { ...facility, id: 'dn-facility-y', occupied: 13 } })).status).toBe(400);
  expect((await h.call('admin', 'PATCH', '/directory/facilities/dn-facility-x', { body: { occupied: 20 } })).status).toBe(400);
  expect((await h.call('admin', 'PATCH', '/directory/facilities/dn-facility-x', { body: { occupied: 12 } })).body).toMatchObject({ available: 0 });
  expect((await h.call('admin', 'PATCH', '/directory/facilities/nope', { body: { occupied: 1 } })).status).toBe(404);
  const list = await h.call('admin', 'GET', '/directory/facilities?province=VN-DN');
  expect((list.body as { items: { id: string }[] }).items.map((f) => f.id)).toContain('dn-facility-x');
  expect((await h.call('admin', 'POST', '/directory/staff', { body: { id: 'dn-x-1', agencyId: 'nope', name: 'X', role: 'caseworker' } })).status).toBe(400);
  expect((await h.call('admin', 'POST', '/directory/agencies', { body: { id: 'dn-health', province: 'VN-DN', kind: 'health_dept', nameVi: 'a', nameEn: 'b' } })).status).toBe(409);
  expect(await h.db.prisma.auditEvent.count({ where: { action: 'directory.facility.create', target: 'dn-facility-x' } })).toBe(1);
});

test.each([
  ['POST', '/directory/agencies', { id: 'dn-odd-1', province: 'VN-DN', kind: 'ngo', nameVi: '}l', nameEn: 'Odd' }, 'nameVi'],
  ['POST', '/directory/agencies', { id: 'dn-odd-2', province: 'VN-DN', kind: 'ngo', nameVi: 'Tổ chức', nameEn: '<b>x</b>' }, 'nameEn'],
  ['PATCH', '/directory/agencies/dn-legal-aid', { nameEn: '}l' }, 'nameEn'],
  ['POST', '/directory/staff', { id: 'dn-odd-3', agencyId: 'dn-health', name: '}l', role: 'caseworker' }, 'name'],
  ['PATCH', '/directory/staff/dn-health-caseworker-1', { name: '{{7*7}}' }, 'name'],
  ['PATCH', '/directory/staff/dn-health-caseworker-1', { name: '123' }, 'name'],
])('directory: %s %s with an implausible name is a 400 naming the field', async (method, url, body, field) => {
  const res = await h.call('admin', method, url, { body });
  expect(res.status).toBe(400);
  expect((res.body as { errors: { path: string }[] }).errors.map((e) => e.path)).toEqual([field]);
});

test('directory: Vietnamese and organisation names with ordinary punctuation are accepted', async () => {
  const agency = { id: 'dn-names-1', province: 'VN-DN', kind: 'ngo', nameVi: 'Trung tâm Hỗ trợ Phụ nữ & Trẻ em (Đà Nẵng)', nameEn: "St. Mary's Women's Centre, Da Nang - No. 2" };
  expect((await h.call('admin', 'POST', '/directory/agencies', { body: agency })).status).toBe(201);
  const staff = { id: 'dn-names-2', agencyId: 'dn-names-1', name: 'Nguyễn Thị Ánh-Tuyết', role: 'caseworker' };
  expect((await h.call('admin', 'POST', '/directory/staff', { body: staff })).status).toBe(201);
  expect((await h.call('admin', 'PATCH', '/directory/staff/dn-names-2', { body: { name: "Lê Văn O'Brien" } })).status).toBe(200);
});

test('readiness: 503 naming the failed check when Temporal is down; liveness stays up', async () => {
  // The same API and database, with a client whose Temporal server does not answer.
  const down = await h.withTemporal(await unreachableTemporal());
  try {
    const res = await down.call('anonymous', 'GET', '/readyz');
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ status: 'not-ready', checks: { temporal: { ok: false }, database: { ok: true } } });
    expect((await down.call('anonymous', 'GET', '/healthz')).status).toBe(200);
    // Reads that need the journey answer 503, never 500.
    expect((await down.call('coordinator', 'GET', `/cases/${A}`)).status).toBe(503);
  } finally {
    await down.close();
  }
});
