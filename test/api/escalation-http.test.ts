/**
 * Escalation at the edges of the ladder through the HTTP API, on the suite's real dev server
 * (test/workflows/journey-escalation-limits.test.ts checks the same rules on the time-skipping
 * server): a task that opens already late still reaches its own agency's assignee, supervisor and
 * focal point, and the top step stops repeating after the ladder's `maxRepeats` while the task
 * stays overdue. The policy's clocks run in seconds, so the real clock suffices; what the people
 * were told is read from the real SMTP server the worker's activities send to.
 */
import { loadPolicy } from '../../src/policy';
import type { EscalationLadder, TaskPolicy } from '../../src/policy/schema';
import { recipientsOf } from '../support/smtp';
import { createApiHarness, uniqueCode, waitForCase, type ApiHarness } from './support/harness';
import { until } from '../support/until';

type Task = { id: string; key: string; status: string; agencyId: string; assigneeId: string | null; escalationLevel: number; acknowledgeDueAt: string; completeDueAt: string };
type State = { stage: string; tasks: Task[] };

const email = ['email'] as ('email' | 'sms')[];
/** Steps a second apart, email only (the harness has no SMS transport). */
const steps: EscalationLadder['steps'] = [
  { after: '0s', notify: ['assignee'], channels: email, urgent: false },
  { after: '1s', notify: ['supervisor'], channels: email, urgent: false },
  { after: '2s', notify: ['focal_point'], channels: email, urgent: false },
  { after: '3s', notify: ['coordinator', 'manager'], channels: email, urgent: true },
];
const REPEAT_MS = 3_000;
const MAX_REPEATS = 2;

const policy = loadPolicy('default');
// `late`: the top step repeats only after an hour, so a test sees the single jump of a late task.
policy.ladders.late = { steps, repeatEvery: '1h', maxRepeats: 3 };
// `capped`: the top step repeats every 3 s, twice, then the ladder falls silent.
policy.ladders.capped = { steps, repeatEvery: `${REPEAT_MS / 1000}s`, maxRepeats: MAX_REPEATS };
// Verification opens after reception here, so its tasks open late when reception is done (with it, they open at once).
policy.stages.find((s) => s.key === 'initial-verification')!.startsWithPrevious = false;
const taskOf = (key: string): TaskPolicy => policy.stages.flatMap((s) => s.tasks).find((t) => t.key === key)!;
// Reception: deadlines an hour away, so it sends nothing while a test runs.
Object.assign(taskOf('reception'), { acknowledgeWithin: '1h', completeWithin: '1h', ladder: 'late' });
// The police's verification counts from the case's opening and is late a second or two in.
Object.assign(taskOf('police-verification'), { acknowledgeWithin: '1s', completeWithin: '2s', clock: 'case', ladder: 'late' });
// The lead agency's verification counts from its own opening; nobody acknowledges it in the cap test.
Object.assign(taskOf('verify-initial-information'), { acknowledgeWithin: '1s', completeWithin: '1h', clock: 'task', ladder: 'capped' });

const POLICE_TITLE = 'Phối hợp xác minh (công an tỉnh)';
const VERIFY_TITLE = 'Chủ trì xác minh thông tin ban đầu';
const mail = (id: string) => `${id}@donghanh.local`;
const LEAD = [mail('dn-health-coordinator-1'), mail('dn-health-manager-1')];

let h: ApiHarness;
beforeAll(async () => {
  h = await createApiHarness({ policy });
});
afterAll(() => h?.close());

/** Every recipient of every message about `title` of case `code`, one entry per message, sorted. */
const mailedAbout = (code: string, title: string) =>
  h.inbox.messages
    .filter((m) => m.subject?.includes(code) && m.subject.includes(title))
    .flatMap(recipientsOf)
    .sort();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function openCase(): Promise<string> {
  const code = uniqueCode('DN');
  const started = await h.call('coordinator', 'POST', '/cases', { body: { caseCode: code, province: 'VN-DN', leadAgencyId: 'dn-health' } });
  expect(started.status).toBe(201);
  h.opened.push(code);
  await waitForCase<State>(h, code, (s) => s.tasks.some((t) => t.key === 'reception'));
  return code;
}

test('a task that opens already late reaches its own agency’s assignee, supervisor and focal point', async () => {
  const openedAt = Date.now();
  const code = await openCase();
  // Stage one stays open until the police task's deadlines (1 s, 2 s) and every ladder step (up to +3 s) are past.
  await sleep(Math.max(0, openedAt + 7_000 - Date.now()));
  expect(mailedAbout(code, POLICE_TITLE)).toEqual([]);
  const done = await h.call('coordinator', 'POST', `/cases/${code}/tasks/reception/complete`, { body: {} });
  expect(done.status).toBe(200);

  const state = await waitForCase<State>(h, code, (s) => s.tasks.some((t) => t.key === 'police-verification'));
  const police = state.tasks.find((t) => t.key === 'police-verification')!;
  expect(police).toMatchObject({ agencyId: 'dn-police', assigneeId: 'dn-police-caseworker-1', status: 'open' });
  expect(Date.parse(police.completeDueAt)).toBeLessThan(Date.now());

  const own = [mail('dn-police-caseworker-1'), mail('dn-police-supervisor-1'), mail('dn-police-focal_point-1')];
  const everyone = [...own, ...LEAD].sort();
  await until(() => everyone.every((e) => mailedAbout(code, POLICE_TITLE).includes(e)), () => `the late task’s messages; got ${JSON.stringify(mailedAbout(code, POLICE_TITLE))}`);
  // The step due now (the top one), sent once to everyone the ladder passed over; nothing more comes.
  await waitForCase<State>(h, code, (s) => s.tasks.find((t) => t.key === 'police-verification')!.escalationLevel === steps.length);
  await sleep(2_000);
  expect(mailedAbout(code, POLICE_TITLE)).toEqual(everyone);
  const levels = await h.db.prisma.notification.findMany({ where: { taskId: police.id }, select: { level: true } });
  expect([...new Set(levels.map((l) => l.level))]).toEqual([steps.length]);
}, 60_000);

test('the top step repeats at most maxRepeats times; then nothing more is sent and the task stays overdue', async () => {
  const code = await openCase();
  expect((await h.call('coordinator', 'POST', `/cases/${code}/tasks/reception/complete`, { body: {} })).status).toBe(200);
  const state = await waitForCase<State>(h, code, (s) => s.tasks.some((t) => t.key === 'verify-initial-information'));
  const verify = state.tasks.find((t) => t.key === 'verify-initial-information')!;
  expect(verify).toMatchObject({ agencyId: 'dn-health', status: 'open' });
  expect(verify.assigneeId).toMatch(/^dn-health-caseworker-\d$/);

  // Assignee, supervisor, focal point once each, then the top step and at most its two repeats to
  // the coordinator and the manager (a worker that falls behind may skip a repeat, never add one).
  const finalLevel = steps.length + MAX_REPEATS;
  await waitForCase<State>(h, code, (s) => s.tasks.find((t) => t.key === 'verify-initial-information')!.escalationLevel === finalLevel);
  const topSent = async () => (await h.db.prisma.notification.count({ where: { taskId: verify.id, level: finalLevel, status: 'sent' } })) === LEAD.length;
  for (let i = 0; i < 200 && !(await topSent()); i++) await sleep(100);
  await sleep(500);
  const atCap = mailedAbout(code, VERIFY_TITLE);
  expect(atCap.filter((to) => !LEAD.includes(to))).toEqual([mail(verify.assigneeId!), mail('dn-health-focal_point-1'), mail('dn-health-supervisor-1')].sort());
  for (const lead of LEAD) expect(atCap.filter((to) => to === lead).length).toBeGreaterThanOrEqual(1);
  for (const lead of LEAD) expect(atCap.filter((to) => to === lead).length).toBeLessThanOrEqual(1 + MAX_REPEATS);
  // Three more repeat periods past the cap: had the ladder gone on, three more rounds would have come.
  await sleep(3 * REPEAT_MS + 500);
  expect(mailedAbout(code, VERIFY_TITLE)).toEqual(atCap);
  const rows = await h.db.prisma.notification.findMany({ where: { taskId: verify.id }, select: { level: true } });
  expect(Math.max(...rows.map((r) => r.level))).toBe(finalLevel);

  // Still open and overdue, for the digest and the managers' view.
  const shown = await h.call('coordinator', 'GET', `/cases/${code}`);
  expect(shown.status).toBe(200);
  expect((shown.body as State).tasks.find((t) => t.key === 'verify-initial-information')).toMatchObject({ status: 'open', escalationLevel: finalLevel });
  const listed = await h.call('coordinator', 'GET', `/cases?overdue=true&province=VN-DN&stage=initial-verification`);
  expect(listed.status).toBe(200);
  const item = (listed.body as { items: { caseCode: string; overdueTasks: number }[] }).items.find((c) => c.caseCode === code);
  // This task and the police's verification, whose clock from the case's opening has run out too.
  expect(item).toMatchObject({ caseCode: code, overdueTasks: 2 });
  expect(Date.parse(verify.acknowledgeDueAt)).toBeLessThan(Date.now());
}, 60_000);
