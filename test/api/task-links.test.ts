/**
 * Short task links over real HTTP, on a real journey: opening changes nothing, acting needs the
 * page's form token and cookie, the matrix decides, and expired or moved-on links are refused.
 */
import { createApiHarness, type ApiHarness } from './support/harness';
import { until } from '../support/until';

let h: ApiHarness;
beforeAll(async () => {
  h = await createApiHarness();
}, 60_000);
afterAll(() => h?.close());

const issue = (taskId: string, staffId: string, agencyId: string, at = new Date()) =>
  h.security.taskLinks.issue(h.db.prisma, { key: `test:${taskId}:${staffId}:${at.getTime()}`, taskId, staffId, agencyId, taskAgencyId: 'dn-health', assigneeId: null, at });

async function open(url: string) {
  const res = await fetch(url.replace('http://127.0.0.1:3000', h.baseUrl));
  const text = await res.text();
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  const form = /name="form" value="([^"]+)"/.exec(text)?.[1];
  return { status: res.status, text, cookie, form };
}

const post = (url: string, fields: Record<string, string>, cookie?: string) =>
  fetch(url.replace('http://127.0.0.1:3000', h.baseUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) },
    body: new URLSearchParams(fields).toString(),
  });

const taskRow = (id: string) => h.db.prisma.task.findUniqueOrThrow({ where: { id } });
const actions = (code: string) => h.db.prisma.auditEvent.count({ where: { caseCode: code, action: { startsWith: 'task.' } } });

it('opening a link changes nothing; acting needs the form token; then the link is refused', async () => {
  const code = await h.openJourney();
  const taskId = `${code}/reception`;
  const url = await issue(taskId, 'dn-health-caseworker-1', 'dn-health');
  expect(url).toMatch(/^http:\/\/127\.0\.0\.1:3000\/t\/[0-9A-Za-z]{10}$/);

  const page = await open(url);
  expect(page.status).toBe(200);
  expect(page.text).toContain(code);
  expect(page.text).toContain('Acknowledge');
  expect((await taskRow(taskId)).status).toBe('open');
  expect(await actions(code)).toBe(0);

  expect((await post(url, { action: 'acknowledge' }, page.cookie)).status).toBe(400);
  expect((await post(url, { form: page.form!, action: 'acknowledge' })).status).toBe(403);
  expect((await post(url, { form: 'wrong', action: 'acknowledge' }, page.cookie)).status).toBe(403);
  expect((await taskRow(taskId)).status).toBe('open');

  const done = await post(url, { form: page.form!, action: 'acknowledge' }, page.cookie);
  expect(done.status).toBe(200);
  expect((await h.state(code)).tasks.find((t) => t.id === taskId)?.status).toBe('acknowledged');
  expect(await h.db.prisma.auditEvent.count({ where: { caseCode: code, action: 'task.acknowledge', outcome: 'ok', actorType: 'task-link' } })).toBe(1);

  expect((await post(url, { form: page.form!, action: 'complete' }, page.cookie)).status).toBe(200);
  await until(async () => (await taskRow(taskId)).status === 'done', 'the task done in the database', 10_000);
  expect((await open(url)).status).toBe(409);
}, 60_000);

it('refuses an expired link', async () => {
  const code = await h.openJourney();
  const url = await issue(`${code}/reception`, 'dn-health-caseworker-1', 'dn-health', new Date(Date.now() - 2 * 3_600_000));
  expect((await open(url)).status).toBe(410);
});

it("a manager's link shows the task but cannot act (the matrix), and changes nothing", async () => {
  const code = await h.openJourney();
  const taskId = `${code}/reception`;
  const url = await issue(taskId, 'dn-health-manager-1', 'dn-health');
  const page = await open(url);
  expect(page.status).toBe(200);
  // As the API answers a manager's key: the case is not one a manager may act on.
  expect((await post(url, { form: page.form!, action: 'acknowledge' }, page.cookie)).status).toBe(404);
  expect((await taskRow(taskId)).status).toBe('open');
});

it('the police accept a verification from its link: the page offers it while the task is open, then the task is theirs', async () => {
  const code = await h.openJourney({ stage: 'initial-verification' });
  const taskId = `${code}/police-verification`;
  const url = await h.security.taskLinks.issue(h.db.prisma, { key: `test:${taskId}:accept`, taskId, staffId: 'dn-police-caseworker-1', agencyId: 'dn-police', taskAgencyId: 'dn-police', assigneeId: null, at: new Date() });
  const page = await open(url);
  expect(page.text).toContain('Accept the referral');
  expect((await post(url, { form: page.form!, action: 'accept' }, page.cookie)).status).toBe(200);
  expect((await h.state(code)).tasks.find((t) => t.id === taskId)).toMatchObject({ status: 'acknowledged', agencyId: 'dn-police' });
  expect(await h.db.prisma.auditEvent.count({ where: { caseCode: code, action: 'task.accept', outcome: 'ok', actorType: 'task-link' } })).toBe(1);
  expect((await open(url)).text).not.toContain('Accept the referral');
}, 60_000);
