/**
 * One-click action links on the real workflow: valid (page, then the button acts), reused (clear
 * message in Vietnamese and English), expired, tampered (payload or signature), for a staff
 * member no longer active, and raced (two clicks at once: one acts). Tokens never reach the logs.
 */
import { ActionLinks } from '../../src/auth/action-links';
import { createApiHarness, uniqueCode, waitForCase, type ApiHarness } from './support/harness';

let h: ApiHarness;
type Task = { id: string; key: string; status: string; assigneeId: string; agencyId: string };

async function newCase() {
  const code = uniqueCode('DN');
  expect((await h.call('coordinator', 'POST', '/cases', { body: { caseCode: code, province: 'VN-DN', leadAgencyId: 'dn-health' } })).status).toBe(201);
  const state = await waitForCase<{ tasks: Task[] }>(h, code, (s) => s.tasks.length > 0);
  return { code, task: state.tasks[0]! };
}
const sign = (task: Task, action: 'acknowledge' | 'complete' = 'acknowledge', ttlMs?: number) =>
  h.security.actionLinks.sign({ action, taskId: task.id, staffId: task.assigneeId, agencyId: task.agencyId, ...(ttlMs !== undefined ? { ttlMs } : {}) });
const open = (token: string, headers: Record<string, string> = {}) => h.call('anonymous', 'GET', `/actions/${token}`, { headers });
const click = (token: string, headers: Record<string, string> = {}, body = '') =>
  h.call('anonymous', 'POST', `/actions/${token}`, { body, headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } });

beforeAll(async () => {
  h = await createApiHarness();
});
afterAll(() => h?.close());

test('a valid link: the page shows what it does and changes nothing; its button acknowledges the task', async () => {
  const { code, task } = await newCase();
  const { token, url } = sign(task);
  expect(url).toBe(`http://127.0.0.1:3000/actions/${token}`);
  const page = await open(token);
  expect(page.status).toBe(200);
  expect(page.headers['content-type']).toContain('text/html');
  expect(page.text).toContain(code);
  expect(page.text).toContain('Xác nhận đã nhận nhiệm vụ');
  expect(page.text).toContain('Acknowledge the task');
  expect(page.headers['referrer-policy']).toBe('no-referrer');
  expect((await waitForCase<{ tasks: Task[] }>(h, code, () => true)).tasks[0]!.status).toBe('open');

  const done = await click(token);
  expect(done.status).toBe(200);
  expect(done.text).toContain('Đã ghi nhận');
  expect(done.text).toContain('Recorded');
  await waitForCase<{ tasks: Task[] }>(h, code, (s) => s.tasks[0]!.status === 'acknowledged');
  const events = await h.db.prisma.auditEvent.findMany({ where: { action: 'action-link.acknowledge', caseCode: code } });
  expect(events).toEqual([expect.objectContaining({ actorType: 'action-link', actorRole: 'staff', outcome: 'ok', target: task.id })]);
});

test('used twice: a clear message in Vietnamese and English, as a page and as problem+json', async () => {
  const { task } = await newCase();
  const { token } = sign(task);
  expect((await click(token)).status).toBe(200);
  const again = await click(token);
  expect(again.status).toBe(410);
  expect(again.text).toContain('Liên kết này đã được sử dụng');
  expect(again.text).toContain('This link has already been used');
  expect((await open(token)).status).toBe(410);
  const json = await click(token, { accept: 'application/json', 'accept-language': 'en' });
  expect(json.status).toBe(410);
  expect(json.headers['content-type']).toContain('application/problem+json');
  expect(json.body).toMatchObject({ type: 'urn:dong-hanh:problem:link-used', title: 'This link has already been used' });
  expect((json.body as { detail: string }).detail).toContain('đã được sử dụng');
});

test('two clicks at once: exactly one acts, the other is told the link was used', async () => {
  const { task } = await newCase();
  const { token } = sign(task);
  const results = await Promise.all([click(token), click(token), click(token)]);
  expect(results.map((r) => r.status).sort()).toEqual([200, 410, 410]);
});

test('an expired link: 410 with a message in both languages; nothing happens', async () => {
  const { code, task } = await newCase();
  const { token } = sign(task, 'acknowledge', -1000);
  for (const res of [await open(token), await click(token)]) {
    expect(res.status).toBe(410);
    expect(res.text).toContain('Liên kết này đã hết hạn');
    expect(res.text).toContain('This link has expired');
  }
  expect((await waitForCase<{ tasks: Task[] }>(h, code, () => true)).tasks[0]!.status).toBe('open');
});

test('a tampered link: another task in the payload, a changed signature, or another secret: 400, nothing happens', async () => {
  const { code, task } = await newCase();
  const { token } = sign(task);
  const [body, sig] = token.split('.') as [string, string];
  const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  const forged = `${Buffer.from(JSON.stringify({ ...claims, act: 'complete' })).toString('base64url')}.${sig}`;
  const flipped = `${body}.${sig.slice(0, -2)}${sig.at(-2) === 'A' ? 'B' : 'A'}${sig.at(-1)}`;
  // The last character's two spare bits: decodes to the very same MAC, still not the signed text.
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const spareBits = `${body}.${sig.slice(0, -1)}${alphabet[alphabet.indexOf(sig.at(-1)!) ^ 1]}`;
  const other = new ActionLinks(Buffer.alloc(32, 7), { publicBaseUrl: 'http://x', ttlMs: 60_000 }).sign({ action: 'acknowledge', taskId: task.id, staffId: task.assigneeId, agencyId: task.agencyId }).token;
  for (const bad of [forged, flipped, spareBits, other, `${body}`, 'not-a-token']) {
    const res = await click(bad);
    expect([bad.slice(0, 12), res.status]).toEqual([bad.slice(0, 12), 400]);
    expect(res.text).toContain('Liên kết này không hợp lệ');
    expect(res.text).toContain('This link is not valid');
  }
  expect((await waitForCase<{ tasks: Task[] }>(h, code, () => true)).tasks[0]!.status).toBe('open');
});

test('a link to a staff member who left the agency stops working', async () => {
  const { task } = await newCase();
  const { token } = sign(task);
  await h.db.prisma.staffMember.update({ where: { id: task.assigneeId }, data: { active: false } });
  try {
    const res = await click(token);
    expect(res.status).toBe(403);
    expect(res.text).toContain('no longer active');
  } finally {
    await h.db.prisma.staffMember.update({ where: { id: task.assigneeId }, data: { active: true } });
  }
  // Nothing happened, so the link still works once the person is back.
  expect((await click(token)).status).toBe(200);
});

test('a complete link: JSON clients see what it does, then complete the task', async () => {
  const { code, task } = await newCase();
  const { token } = sign(task, 'complete');
  const info = await open(token, { accept: 'application/json' });
  expect(info.body).toMatchObject({ action: 'complete', caseCode: code, taskId: task.id, outcomes: [] });
  const res = await click(token, { accept: 'application/json' });
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ message: { vi: expect.any(String), en: expect.any(String) }, task: { id: task.id, status: 'done' } });
});

test('a refused action (the task was already acknowledged in the API) leaves the link unused, and says why', async () => {
  const { task } = await newCase();
  const { token } = sign(task);
  const viaApi = await h.call('staff', 'POST', `/cases/${task.id.split('/')[0]}/tasks/reception/acknowledge`, { body: {} });
  expect(viaApi.status).toBe(200);
  const res = await click(token, { accept: 'application/json' });
  expect(res.status).toBe(409);
  expect(await h.db.prisma.actionLinkUse.count({ where: { taskId: task.id } })).toBe(0);
});

test('tokens never appear in log lines', () => {
  const all = h.logs.join('');
  expect(all).toContain('/actions/[token]');
  expect(all).not.toMatch(/\/actions\/eyJ/);
});

test('the task link in every notification opens a page on how to act, the same whether the case exists or not', async () => {
  const { code } = await newCase();
  const page = async (caseCode: string) => {
    const res = await h.call('anonymous', 'GET', `/tasks/${encodeURIComponent(`${caseCode}/reception`)}`);
    expect(res.status).toBe(200);
    return res.text.replaceAll(caseCode, '<code>');
  };
  const known = await page(code);
  expect(known).toContain('Tiếp nhận, bảo đảm an toàn');
  expect(known).toContain('/acknowledge');
  expect(await page(uniqueCode('NONE'))).toBe(known);
  expect((await h.call('anonymous', 'GET', '/tasks/not%20a%20task')).status).toBe(400);
});
