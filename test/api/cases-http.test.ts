/**
 * The coordinator API over real HTTP, on the suite's real Temporal dev server, with a worker,
 * a migrated SQLite database and a real SMTP server: a case started with `POST /cases` sends its
 * reminder email; bad input is refused with a clear 4xx and starts nothing. Callers authenticate
 * with API keys (`Authorization: Bearer`).
 */
import { Client, WorkflowNotFoundError } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { createApiKey } from '../../src/auth/api-keys';
import { loadPolicy } from '../../src/policy';
import { journeyWorkflowId } from '../../src/journey/definitions';
import { recipientsOf } from '../support/smtp';
import { until } from '../support/until';
import { testDataConverter } from '../support/codec';
import { createApiHarness, uniqueCode, type ApiHarness } from './support/harness';

let h: ApiHarness;
const run = uniqueCode('DN');
const code = (n: number) => `${run}-${n}`;

beforeAll(async () => {
  // The demo policy: the reception reminder is due 10 s after the case opens.
  h = await createApiHarness({ policy: loadPolicy('demo') });
});
afterAll(() => h?.close());

const open = (caseCode: string, extra: Record<string, unknown> = {}) => ({ caseCode, province: 'VN-DN', leadAgencyId: 'dn-health', ...extra });

async function expectNoJourney(caseCode: string) {
  await expect(h.client.workflow.getHandle(journeyWorkflowId(caseCode)).describe()).rejects.toThrow(WorkflowNotFoundError);
}

test('POST /cases starts the journey; its reception reminder reaches the assignee by email; the assignee acknowledges with their key', async () => {
  const res = await h.call('coordinator', 'POST', '/cases', { body: open(code(1)) });
  expect(res.status).toBe(201);
  expect(res.body).toMatchObject({ caseCode: code(1), workflowId: `journey-${code(1)}` });

  const described = await h.client.workflow.getHandle(journeyWorkflowId(code(1))).describe();
  expect(described.status.name).toBe('RUNNING');

  let state: { tasks: { id: string; assigneeId: string }[] } = { tasks: [] };
  for (let i = 0; i < 100 && state.tasks.length === 0; i++) {
    const got = await h.call('coordinator', 'GET', `/cases/${code(1)}`);
    if (got.status === 200) state = got.body as typeof state;
    await new Promise((r) => setTimeout(r, 50));
  }
  const assignee = await h.db.prisma.staffMember.findUniqueOrThrow({ where: { id: state.tasks[0]!.assigneeId } });
  // Verification opened with reception and reminds its own assignee: this is reception's mail.
  const receptionTitle = loadPolicy('demo').stages[0]!.tasks[0]!.title.vi;
  const mail = await until(() => h.inbox.messages.find((m) => m.subject?.includes(receptionTitle)), 'the reception reminder', 30_000);
  expect(recipientsOf(mail)).toEqual([assignee.email]);
  expect(mail.subject).toContain(code(1));

  const { key } = await createApiKey(h.db.prisma, { owner: assignee.name, role: 'staff', agencyId: assignee.agencyId, province: 'VN-DN', staffId: assignee.id, expiresAt: new Date(Date.now() + 3_600_000), createdBy: 'test' });
  const ack = await h.call(key, 'POST', `/cases/${code(1)}/tasks/reception/acknowledge`, { body: { staffId: assignee.id } });
  expect(ack.status).toBe(200);
  expect(ack.body).toMatchObject({ status: 'acknowledged' });
  const again = await h.call(key, 'POST', `/cases/${code(1)}/tasks/reception/acknowledge`, { body: {} });
  expect(again.status).toBe(409);
  expect(again.headers['content-type']).toContain('application/problem+json');
  // Acting as someone else is refused, whatever the body says.
  const impersonating = await h.call(key, 'POST', `/cases/${code(1)}/tasks/reception/complete`, { body: { staffId: 'dn-health-caseworker-9' } });
  expect(impersonating.status).toBe(403);
});

test('POST /cases answers once the reception task exists: the very next request can acknowledge it (the README walk-through)', async () => {
  const res = await h.call('coordinator', 'POST', '/cases', { body: open(code(30)) });
  expect(res.status).toBe(201);
  expect(await h.db.prisma.task.count({ where: { caseCode: code(30), stage: 'reception' } })).toBeGreaterThan(0);
  const ack = await h.call('staff', 'POST', `/cases/${code(30)}/tasks/reception/acknowledge`);
  expect(ack.status).toBe(200);
  expect(ack.body).toMatchObject({ status: 'acknowledged' });
});

test('the same case code with the same body returns the original result; with a different body it is a 409', async () => {
  const first = await h.call('coordinator', 'POST', '/cases', { body: open(code(2)) });
  expect(first.status).toBe(201);
  const repeat = await h.call('coordinator', 'POST', '/cases', { body: open(code(2)) });
  expect(repeat.status).toBe(201);
  expect(repeat.body).toEqual(first.body);
  expect(repeat.headers['idempotent-replayed']).toBe('true');
  const dup = await h.call('coordinator', 'POST', '/cases', { body: open(code(2), { personalData: { fullName: 'Someone Else' } }) });
  expect(dup.status).toBe(409);
  expect((dup.body as { detail: string }).detail).toContain(code(2));
});

test.each([
  ['a missing field', { caseCode: code(3), province: 'VN-DN' }, 'leadAgencyId'],
  ['a wrong type', { caseCode: 42, province: 'VN-DN', leadAgencyId: 'dn-health' }, 'caseCode'],
  ['an unknown province code', { caseCode: code(3), province: 'VN-XX', leadAgencyId: 'dn-health' }, 'province'],
  ['a lead agency of another province', { caseCode: code(3), province: 'VN-HN', leadAgencyId: 'dn-health' }, 'leadAgencyId'],
  ['an unknown field', { caseCode: code(3), province: 'VN-DN', leadAgencyId: 'dn-health', fullName: 'x' }, ''],
  ['personal data with a bad date', { ...open(code(3)), personalData: { fullName: 'A', dateOfBirth: '2004-13-45' } }, 'personalData.dateOfBirth'],
])('%s is a 400 naming the field, and starts no journey', async (_what, body, field) => {
  // VN-HN is outside a Đà Nẵng coordinator's scope: a national-scope problem needs a coordinator there.
  const who = (body as { province?: string }).province === 'VN-HN' ? 'coordinatorHN' : 'coordinator';
  const res = await h.call(who, 'POST', '/cases', { body, headers: { 'accept-language': 'en' } });
  expect(res.status).toBe(400);
  const problem = res.body as { errors: { path: string }[] };
  expect(problem).toMatchObject({ status: 400, title: 'Invalid request' });
  expect(problem.errors.map((e) => e.path).join(' ')).toContain(field);
  await expectNoJourney(code(3));
});

test('problem titles are in Vietnamese unless the caller prefers English', async () => {
  const res = await h.call('coordinator', 'POST', '/cases', { body: {} });
  expect((res.body as { title: string }).title).toBe('Yêu cầu không hợp lệ');
});

test('an oversized body is a 413 and a non-JSON body a 415; neither starts a journey', async () => {
  const big = await h.call('coordinator', 'POST', '/cases', { body: { ...open(code(4)), pad: 'x'.repeat(20_000) } });
  expect(big.status).toBe(413);
  const text = await h.call('coordinator', 'POST', '/cases', { body: `caseCode=${code(4)}`, headers: { 'content-type': 'text/plain' } });
  expect(text.status).toBe(415);
  const broken = await h.call('coordinator', 'POST', '/cases', { body: '{"caseCode":', headers: { 'content-type': 'application/json' } });
  expect(broken.status).toBe(400);
  await expectNoJourney(code(4));
});

test('without a key nothing happens: 401, and no journey', async () => {
  const res = await h.call('anonymous', 'POST', '/cases', { body: open(code(5)) });
  expect(res.status).toBe(401);
  expect(res.headers['www-authenticate']).toContain('Bearer');
  await expectNoJourney(code(5));
});

test('unknown cases and tasks are 404s', async () => {
  expect((await h.call('coordinator', 'GET', `/cases/${code(9)}`)).status).toBe(404);
  expect((await h.call('coordinator', 'GET', '/cases/not%20a%20code')).status).toBe(400);
  const res = await h.call('staff', 'POST', `/cases/${code(9)}/tasks/reception/acknowledge`, { body: {} });
  expect(res.status).toBe(404);
});

test('/readyz reports Temporal and the database reachable', async () => {
  const res = await h.call('anonymous', 'GET', '/readyz');
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ status: 'ready', checks: { temporal: { ok: true }, database: { ok: true } } });
});

test('a closed case Temporal no longer keeps is still read from the database records', async () => {
  const caseCode = code(20);
  expect((await h.call('coordinator', 'POST', '/cases', { body: open(caseCode) })).status).toBe(201);
  let live: { status: string; history: { seq: number; action: string }[]; tasks: { id: string; status: string }[] } | undefined;
  for (let i = 0; i < 100 && !live?.tasks.length; i++) {
    const got = await h.call('coordinator', 'GET', `/cases/${caseCode}`);
    if (got.status === 200) live = got.body as typeof live;
    await new Promise((r) => setTimeout(r, 50));
  }
  expect((await h.call('coordinator', 'POST', `/cases/${caseCode}/close`, { body: { reason: 'deceased' } })).status).toBe(200);
  // Four eyes: the default policy's closure waits for a manager.
  expect((await h.call('manager', 'POST', `/cases/${caseCode}/closure/approve`)).status).toBe(200);
  const closed = await h.client.workflow.getHandle(journeyWorkflowId(caseCode)).result();
  // An API whose Temporal namespace has no such workflow: what the namespace's retention does to a
  // closed journey, without waiting for it.
  const namespace = `records-${run.toLowerCase()}`;
  await h.client.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') });
  const elsewhere = new Client({ connection: h.client.connection, namespace, dataConverter: testDataConverter });
  for (let i = 0; i < 300; i++) {
    const ready = await elsewhere.workflow.getHandle(journeyWorkflowId(caseCode)).describe().then(() => false, (e: unknown) => e instanceof WorkflowNotFoundError);
    if (ready) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const api = await h.withTemporal(elsewhere);

  const res = await api.call('coordinator', 'GET', `/cases/${caseCode}`);
  expect(res.status).toBe(200);
  const recorded = res.body as { status: string; closureReason: string; policy: unknown; source: string; history: { seq: number; action: string }[]; tasks: { id: string; status: string; title: { en: string } }[] };
  expect(recorded).toMatchObject({ status: 'closed', closureReason: 'deceased', source: 'records', policy: { id: 'vn-default-demo', version: 1 } });
  expect(recorded.history.map((e) => [e.seq, e.action])).toEqual(closed.history.map((e: { seq: number; action: string }) => [e.seq, e.action]));
  // Verification opened with reception; the approved closure cancelled all three.
  expect(recorded.tasks.map((t) => [t.id, t.status])).toEqual([
    ...['reception', 'verify-initial-information', 'police-verification'].map((key) => [`${caseCode}/${key}`, 'cancelled']),
    [`${caseCode}/closure-approval`, 'done'],
  ]);
  expect(recorded.tasks[0]!.title.en).toContain('Receive the person');
  expect(recorded.tasks.at(-1)).toMatchObject({ outcome: 'approved', title: { en: 'Approve the closure of the case' } });
  expect((await api.call('coordinator', 'GET', `/cases/${code(21)}`)).status).toBe(404);
}, 60_000);
