/**
 * Intake over real HTTP, on the suite's Temporal dev server with a worker and a migrated SQLite
 * database: the notification and its source reach the journey and the case's row, a notification
 * in the future or months ago is refused, and a family opens its linked cases together, or none.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import { journeyWorkflowId } from '../../src/journey/definitions';
import { createApiHarness, uniqueCode, type ApiHarness } from './support/harness';

let h: ApiHarness;
const run = uniqueCode('DN');
const code = (n: number) => `${run}-${n}`;
const DAY = 86_400_000;

beforeAll(async () => {
  h = await createApiHarness();
});
afterAll(() => h?.close());

const open = (caseCode: string, extra: Record<string, unknown> = {}) => ({ caseCode, province: 'VN-DN', leadAgencyId: 'dn-health', ...extra });
const family = (members: Record<string, unknown>[], extra: Record<string, unknown> = {}) => ({ province: 'VN-DN', leadAgencyId: 'dn-health', ...extra, members });

async function expectNoJourney(caseCode: string) {
  await expect(h.client.workflow.getHandle(journeyWorkflowId(caseCode)).describe()).rejects.toThrow(WorkflowNotFoundError);
  expect(await h.db.prisma.caseRequest.count({ where: { caseCode } })).toBe(0);
}

type CaseBody = { facts?: Record<string, unknown>; familyCases: string[]; tasks: { key: string; completeDueAt: string }[] };
const read = async (caseCode: string) => (await h.call('coordinator', 'GET', `/cases/${caseCode}`)).body as CaseBody;

test("POST /cases records the notification, its source and a child's case; verification is due 3 days after the notification", async () => {
  // Given in Vietnam's time, as a coordinator types it.
  const notified = new Date(Date.now() - 2 * DAY);
  const local = new Date(notified.getTime() + 7 * 3_600_000).toISOString().replace('Z', '+07:00');
  const res = await h.call('coordinator', 'POST', '/cases', { body: open(code(1), { notifiedAt: local, notifiedBy: 'border_guard', child: true }) });
  expect(res.status).toBe(201);

  const body = await read(code(1));
  expect(body.facts).toEqual({ notifiedAt: notified.toISOString(), notifiedBy: 'border_guard', child: true });
  expect(body.familyCases).toEqual([]);
  expect(body.tasks.map((t) => t.key)).toEqual(expect.arrayContaining(['reception', 'border-guard-handover', 'guardian-contact', 'verify-initial-information']));
  expect(body.tasks.find((t) => t.key === 'verify-initial-information')!.completeDueAt).toBe(new Date(notified.getTime() + 3 * DAY).toISOString());
  expect(await h.db.prisma.case.findUniqueOrThrow({ where: { code: code(1) } })).toMatchObject({ notifiedAt: notified, notifiedBy: 'border_guard', isChild: true, familyId: null });
});

let refused = 0;
test.each([
  ['in the future', { notifiedAt: new Date(Date.now() + DAY).toISOString() }, 'notifiedAt'],
  ['more than 30 days ago', { notifiedAt: new Date(Date.now() - 31 * DAY).toISOString() }, 'notifiedAt'],
  ['without its offset', { notifiedAt: '2026-11-30T08:00:00' }, 'notifiedAt'],
  ['from an unknown source', { notifiedBy: 'neighbour' }, 'notifiedBy'],
  ['with a child that is not a yes or no', { child: 'maybe' }, 'child'],
])('a notification %s is a 400 naming the field, and opens nothing', async (_, extra, field) => {
  const caseCode = code(10 + ++refused);
  const res = await h.call('coordinator', 'POST', '/cases', { body: open(caseCode, extra) });
  expect(res.status).toBe(400);
  expect(res.headers['content-type']).toContain('application/problem+json');
  expect(JSON.stringify(res.body)).toContain(field);
  await expectNoJourney(caseCode);
});

test('POST /families opens every member with its own facts and a shared family id; each read lists the others', async () => {
  const notifiedAt = new Date(Date.now() - DAY).toISOString();
  const body = family(
    [
      { caseCode: code(100), personalData: { fullName: 'Mẹ' } },
      { caseCode: code(101), child: true, personalData: { fullName: 'Con' } },
      { caseCode: code(102), child: true, notifiedBy: 'police' },
    ],
    { notifiedAt, notifiedBy: 'returned_from_abroad' },
  );
  const res = await h.call('coordinator', 'POST', '/families', { body });
  expect(res.status).toBe(201);
  const familyId = res.body.familyId as string;
  expect(familyId).toMatch(/^FAM-[0-9A-F]{20}$/);
  expect(res.body.cases.map((c: { caseCode: string }) => c.caseCode)).toEqual([code(100), code(101), code(102)]);

  const [mother, child, other] = await Promise.all([read(code(100)), read(code(101)), read(code(102))]);
  expect(mother.facts).toEqual({ notifiedAt, notifiedBy: 'returned_from_abroad', familyId });
  expect(child.facts).toEqual({ notifiedAt, notifiedBy: 'returned_from_abroad', child: true, familyId });
  expect(other.facts).toEqual({ notifiedAt, notifiedBy: 'police', child: true, familyId });
  expect(mother.familyCases).toEqual([code(101), code(102)]);
  expect(child.familyCases).toEqual([code(100), code(102)]);
  expect(mother.tasks.map((t) => t.key)).toContain('returnee-reception');
  expect(mother.tasks.map((t) => t.key)).not.toContain('guardian-contact');
  expect(child.tasks.map((t) => t.key)).toEqual(expect.arrayContaining(['returnee-reception', 'guardian-contact']));
  expect(other.tasks.map((t) => t.key)).not.toContain('returnee-reception');
  expect(await h.db.prisma.casePersonalData.count({ where: { caseCode: { in: [code(100), code(101)] } } })).toBe(2);

  // The same request again: the same family, nothing new.
  const again = await h.call('coordinator', 'POST', '/families', { body });
  expect(again.status).toBe(201);
  expect(again.headers['idempotent-replayed']).toBe('true');
  expect(again.body).toEqual(res.body);
});

test('a family with one bad member is a 400 and opens none of them', async () => {
  const res = await h.call('coordinator', 'POST', '/families', {
    body: family([{ caseCode: code(200) }, { caseCode: code(201), notifiedAt: new Date(Date.now() + DAY).toISOString() }]),
  });
  expect(res.status).toBe(400);
  expect(JSON.stringify(res.body)).toContain('members.1.notifiedAt');
  await expectNoJourney(code(200));
  await expectNoJourney(code(201));

  const twice = await h.call('coordinator', 'POST', '/families', { body: family([{ caseCode: code(202) }, { caseCode: code(202), child: true }]) });
  expect(twice.status).toBe(400);
  await expectNoJourney(code(202));
});

test('a family with a member whose code is taken is a 409 and opens none of them', async () => {
  expect((await h.call('coordinator', 'POST', '/cases', { body: open(code(300)) })).status).toBe(201);
  const res = await h.call('coordinator', 'POST', '/families', { body: family([{ caseCode: code(301) }, { caseCode: code(300), child: true }]) });
  expect(res.status).toBe(409);
  await expectNoJourney(code(301));
});

test('the same Idempotency-Key for another family is a 409', async () => {
  const key = `family-${run}`;
  const first = await h.call('coordinator', 'POST', '/families', { body: family([{ caseCode: code(400) }, { caseCode: code(401), child: true }]), headers: { 'idempotency-key': key } });
  expect(first.status).toBe(201);
  const other = await h.call('coordinator', 'POST', '/families', { body: family([{ caseCode: code(400) }, { caseCode: code(402), child: true }]), headers: { 'idempotency-key': key } });
  expect(other.status).toBe(409);
  await expectNoJourney(code(402));
});

test('another province’s coordinator may not open a family here', async () => {
  const res = await h.call('coordinatorHN', 'POST', '/families', { body: family([{ caseCode: code(500) }, { caseCode: code(501) }]) });
  expect(res.status).toBe(403);
  await expectNoJourney(code(500));
});
