/**
 * The task inbox over real HTTP, on real journeys, with codes really mailed (the harness's SMTP
 * server) and texted (the local SMS gateway through the real twilio client): code sign-in and its
 * refusals, the session cookie, GET changes nothing, CSRF on every POST, and a staff member sees
 * only their own and their agency's tasks.
 */
import { randomBytes } from 'node:crypto';
import { startSmsGateway, type SmsGateway } from '../../src/local/sms-gateway';
import { createSmsSender } from '../../src/transports/sms';
import { createApiHarness, type ApiHarness } from './support/harness';
import { Browser, field, type Page, mailedCodes, requestCode, signIn, waitForCode } from './support/inbox-client';

let h: ApiHarness;
let gateway: SmsGateway;
beforeAll(async () => {
  const accountSid = `AC${randomBytes(16).toString('hex')}`;
  const authToken = randomBytes(16).toString('hex');
  gateway = await startSmsGateway({ accountSid, authToken, stepDelayMs: 5 });
  h = await createApiHarness({ sms: createSmsSender({ accountSid, authToken, baseUrl: gateway.url, from: 'DongHanh' }) });
}, 60_000);
afterAll(async () => {
  await h?.close();
  await gateway?.close();
});

const CW1 = 'dn-health-caseworker-1@donghanh.local';
const POLICE = 'dn-police-caseworker-1@donghanh.local';
const browser = () => new Browser(h.baseUrl);
const taskUrl = (code: string, key: string) => `/inbox/cases/${code}/tasks/${key}`;
const codeRows = (staffId: string) => h.db.prisma.signInCode.findMany({ where: { staffId }, orderBy: { createdAt: 'asc' } });
const waitFor = async (ok: () => Promise<boolean>) => {
  for (let i = 0; i < 400 && !(await ok()); i++) await new Promise((r) => setTimeout(r, 25));
};
/** The code page without what differs on every request (ticket, form token). */
const shape = (text: string) => text.replace(/value="[^"]*"/g, 'value=""');

it('signs in with a mailed code: a session cookie, HttpOnly and SameSite=Strict, and the inbox', async () => {
  const b = browser();
  const start = await b.get('/inbox');
  expect(start.status).toBe(200);
  expect(start.text).toContain('name="address"');
  const codePage = await b.post('/inbox/sign-in', { form: field(start, 'form'), address: ` ${CW1.toUpperCase()} ` });
  expect(codePage.status).toBe(200);
  const code = await waitForCode(h.inbox, CW1);
  const [row] = await codeRows('dn-health-caseworker-1');
  // Only a hash is stored.
  expect(row).toMatchObject({ channel: 'email', attempts: 0, usedAt: null });
  expect(row!.codeHash).not.toContain(code);

  const done = await b.post('/inbox/verify', { form: field(codePage, 'form'), ticket: field(codePage, 'ticket'), code });
  expect(done.status).toBe(303);
  expect(done.location).toBe('/inbox');
  const session = done.setCookies.find((c) => c.startsWith('dh_inbox='))!;
  expect(session.split('; ').slice(1).sort()).toEqual(['HttpOnly', 'Max-Age=43200', 'Path=/', 'SameSite=Strict']);
  // The table holds the secret's hash, never the secret.
  const secret = b.cookies.get('dh_inbox')!;
  expect(await h.db.prisma.inboxSession.count({ where: { id: secret } })).toBe(0);
  expect(await h.db.prisma.inboxSession.count({ where: { staffId: 'dn-health-caseworker-1', endedAt: null } })).toBeGreaterThan(0);

  const inbox = await b.get('/inbox');
  expect(inbox.status).toBe(200);
  expect(inbox.text).toContain('Nguyễn Thị Lan');
  expect(inbox.text).toContain('Nhiệm vụ của tôi');
  expect((await b.get('/inbox?lang=en')).text).toContain('My tasks');
  expect(await h.db.prisma.auditEvent.count({ where: { action: 'inbox.sign-in', outcome: 'ok', target: 'dn-health-caseworker-1', actorType: 'inbox', actorAgencyId: 'dn-health' } })).toBe(1);
});

it('signs in with a code sent by SMS to the phone number given', async () => {
  const b = browser();
  const phone = (await h.db.prisma.staffMember.findUniqueOrThrow({ where: { id: 'dn-police-caseworker-1' } })).phone!;
  // Written the national way, with spaces.
  const national = `0${phone.slice(3, 5)} ${phone.slice(5)}`;
  const codePage = await requestCode(b, national);
  let text = '';
  await waitFor(async () => Boolean((text = gateway.messages().find((m) => m.to === phone)?.body ?? '')));
  const code = /\b(\d{6})\b/.exec(text)![1]!;
  const done = await b.post('/inbox/verify', { form: field(codePage, 'form'), ticket: field(codePage, 'ticket'), code });
  expect(done.status).toBe(303);
  expect((await b.get('/inbox')).text).toContain('Hoàng Văn Dũng');
});

it('answers an unknown address exactly like a known one, and sends nothing', async () => {
  const sent = h.inbox.messages.length;
  const known = await requestCode(browser(), 'dn-shelter-caseworker-1@donghanh.local');
  const unknown = await requestCode(browser(), 'nobody@donghanh.local');
  expect(unknown.status).toBe(known.status);
  expect(shape(unknown.text)).toBe(shape(known.text));
  await waitForCode(h.inbox, 'dn-shelter-caseworker-1@donghanh.local');
  expect(h.inbox.messages.length).toBe(sent + 1);
  // Its ticket is no code's: every code is wrong.
  const b = browser();
  const page = await requestCode(b, 'nobody@donghanh.local');
  expect((await b.post('/inbox/verify', { form: field(page, 'form'), ticket: field(page, 'ticket'), code: '123456' })).status).toBe(401);
});

it('refuses a wrong code, and the right one after 5 wrong attempts, or once expired, or used', async () => {
  const email = 'dn-health-caseworker-2@donghanh.local';
  const attempt = (b: Browser, page: Page, code: string) => b.post('/inbox/verify', { form: field(page, 'form'), ticket: field(page, 'ticket'), code });
  const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

  // Wrong, then right: signed in.
  let b = browser();
  let page = await requestCode(b, email);
  let code = await waitForCode(h.inbox, email, 1);
  const refused = await attempt(b, page, wrong(code));
  expect(refused.status).toBe(401);
  expect(refused.setCookies.some((c) => c.startsWith('dh_inbox='))).toBe(false);
  expect(refused.text).toContain('Mã không đúng');
  // Spaces typed into the code do not matter.
  expect((await attempt(b, refused, `${code.slice(0, 3)} ${code.slice(3)}`)).status).toBe(303);
  // Used: refused the second time.
  expect((await attempt(browser(), page, code)).status).toBe(403); // another browser has not the form cookie
  expect((await attempt(b, page, code)).status).toBe(401);

  // Five wrong attempts exhaust the code.
  b = browser();
  page = await requestCode(b, email);
  code = await waitForCode(h.inbox, email, 2);
  for (let i = 0; i < 5; i++) expect((await attempt(b, page, wrong(code))).status).toBe(401);
  expect((await attempt(b, page, code)).status).toBe(401);
  expect((await h.db.prisma.signInCode.findUniqueOrThrow({ where: { id: field(page, 'ticket') } })).attempts).toBe(5);

  // Expired.
  b = browser();
  page = await requestCode(b, email);
  code = await waitForCode(h.inbox, email, 3);
  await h.db.prisma.signInCode.update({ where: { id: field(page, 'ticket') }, data: { expiresAt: new Date(Date.now() - 1000) } });
  expect((await attempt(b, page, code)).status).toBe(401);
  expect(await h.db.prisma.inboxSession.count({ where: { staffId: 'dn-health-caseworker-2' } })).toBe(1);
});

it('sends at most 3 codes to one person in 15 minutes, answering the same', async () => {
  const email = 'dn-legal-aid-caseworker-1@donghanh.local';
  for (let i = 0; i < 5; i++) expect((await requestCode(browser(), email)).status).toBe(200);
  await waitForCode(h.inbox, email, 3);
  await waitFor(async () => (await codeRows('dn-legal-aid-caseworker-1')).length >= 3);
  await new Promise((r) => setTimeout(r, 300));
  expect(mailedCodes(h.inbox, email)).toHaveLength(3);
  expect(await codeRows('dn-legal-aid-caseworker-1')).toHaveLength(3);
});

it('shows my tasks and my agency’s only; GET changes nothing; acting needs the form token and acts as me', async () => {
  const code = await h.openJourney({ stage: 'initial-verification' });
  const health = browser();
  const police = browser();
  const healthInbox = await signIn(health, h.inbox, CW1);
  const policeInbox = await signIn(police, h.inbox, POLICE);
  const verify = taskUrl(code, 'verify-initial-information');
  const policeTask = taskUrl(code, 'police-verification');
  expect(healthInbox.text).toContain(`action="${verify}"`);
  expect(healthInbox.text).not.toContain(`action="${policeTask}"`);
  expect(policeInbox.text).toContain(`action="${policeTask}"`);
  expect(policeInbox.text).not.toContain(`action="${verify}"`);

  const before = await h.db.prisma.task.findMany({ where: { caseCode: code }, orderBy: { id: 'asc' } });
  const audits = await h.db.prisma.auditEvent.count();
  for (let i = 0; i < 3; i++) await health.get('/inbox');
  expect(await h.db.prisma.task.findMany({ where: { caseCode: code }, orderBy: { id: 'asc' } })).toEqual(before);
  expect(await h.db.prisma.auditEvent.count()).toBe(audits);

  const page = await health.get('/inbox');
  const form = field(page, 'form', verify);
  // No token, a wrong one, another task's, or no form cookie (a forged cross-site POST): 403, nothing done.
  expect((await health.post(verify, { action: 'acknowledge' })).status).toBe(400);
  expect((await health.post(verify, { form: 'forged', action: 'acknowledge' })).status).toBe(403);
  expect((await health.post(verify, { form: field(policeInbox, 'form', policeTask), action: 'acknowledge' })).status).toBe(403);
  expect((await health.post(verify, { form, action: 'acknowledge' }, { cookies: false })).status).toBe(403);
  expect((await h.db.prisma.task.findUniqueOrThrow({ where: { id: `${code}/verify-initial-information` } })).status).toBe('open');

  const acted = await health.post(verify, { form, action: 'acknowledge' });
  expect(acted.status).toBe(303);
  expect(acted.location).toBe('/inbox?done=acknowledge');
  expect((await h.state(code)).tasks.find((t) => t.id === `${code}/verify-initial-information`)?.status).toBe('acknowledged');
  expect(await h.db.prisma.auditEvent.count({ where: { caseCode: code, action: 'task.acknowledge', outcome: 'ok', actorType: 'inbox', actorAgencyId: 'dn-health', actorRole: 'staff' } })).toBe(1);
  expect((await health.get('/inbox?done=acknowledge')).text).toContain('Đã ghi nhận');
});

it("a manager's inbox lists the agency's tasks but cannot act on them (the matrix), and nothing changes", async () => {
  const code = await h.openJourney();
  const b = browser();
  const page = await signIn(b, h.inbox, 'dn-health-manager-1@donghanh.local');
  const reception = taskUrl(code, 'reception');
  // As the API answers a manager's key: not a case a manager may act on.
  expect((await b.post(reception, { form: field(page, 'form', reception), action: 'acknowledge' })).status).toBe(404);
  expect((await h.db.prisma.task.findUniqueOrThrow({ where: { id: `${code}/reception` } })).status).toBe('open');
  expect(await h.db.prisma.auditEvent.count({ where: { caseCode: code, action: 'access.denied', actorType: 'inbox', actorRole: 'manager' } })).toBe(1);
});

it('signs out: the session ends, its cookie is cleared and no longer acts', async () => {
  const code = await h.openJourney();
  const b = browser();
  const page = await signIn(b, h.inbox, CW1);
  const reception = taskUrl(code, 'reception');
  const form = field(page, 'form', reception);
  const secret = b.cookies.get('dh_inbox')!;
  // Sign-out is a POST with its own token too.
  expect((await b.post('/inbox/sign-out', { form: 'forged' })).status).toBe(403);
  const out = await b.post('/inbox/sign-out', { form: field(page, 'form', '/inbox/sign-out') });
  expect(out.status).toBe(303);
  expect(out.setCookies.find((c) => c.startsWith('dh_inbox='))).toContain('Max-Age=0');
  expect((await b.get('/inbox')).text).toContain('name="address"');
  // The old cookie, replayed, is signed out too.
  b.cookies.set('dh_inbox', secret);
  expect((await b.get('/inbox')).text).toContain('name="address"');
  expect((await b.post(reception, { form, action: 'acknowledge' })).status).toBe(401);
  expect((await h.db.prisma.task.findUniqueOrThrow({ where: { id: `${code}/reception` } })).status).toBe('open');
});

it('CSRF on sign-in: a code request or a code without the page’s token is refused', async () => {
  const b = browser();
  const start = await b.get('/inbox');
  expect((await b.post('/inbox/sign-in', { form: 'forged', address: CW1 })).status).toBe(403);
  expect((await b.post('/inbox/sign-in', { form: field(start, 'form'), address: CW1 }, { cookies: false })).status).toBe(403);
  const page = await b.post('/inbox/sign-in', { form: field(start, 'form'), address: 'nobody@donghanh.local' });
  // A code page's token is bound to its ticket.
  const other = await b.post('/inbox/sign-in', { form: field(start, 'form'), address: 'nobody2@donghanh.local' });
  expect((await b.post('/inbox/verify', { form: field(other, 'form'), ticket: field(page, 'ticket'), code: '000000' })).status).toBe(403);
});

it('rate-limits code requests per client address', async () => {
  // Another API with the default limit (this file's has a high one); it starts no journey.
  const other = await createApiHarness({ worker: false, codeRequestsPerMinute: 10 });
  const b = new Browser(other.baseUrl);
  const start = await b.get('/inbox');
  const statuses: number[] = [];
  for (let i = 0; i < 12; i++) statuses.push((await b.post('/inbox/sign-in', { form: field(start, 'form'), address: `nobody${i}@donghanh.local` })).status);
  expect(statuses.slice(0, 10)).toEqual(Array(10).fill(200));
  expect(statuses.slice(10)).toEqual([429, 429]);
  await other.close();
});

it('documents what the inbox answers: every status met above, HTML pages and form bodies', async () => {
  const doc = (await h.call('anonymous', 'GET', '/openapi.json')).body as { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }>; requestBody?: { content: Record<string, unknown> } }>> };
  const met: [string, string, number[]][] = [
    ['/inbox', 'get', [200, 400]],
    ['/inbox/sign-in', 'post', [200, 400, 403, 429]],
    ['/inbox/verify', 'post', [303, 400, 401, 403, 429]],
    ['/inbox/cases/{code}/tasks/{taskKey}', 'post', [303, 400, 401, 403, 404, 409]],
    ['/inbox/sign-out', 'post', [303, 403]],
  ];
  for (const [path, method, statuses] of met) {
    const op = doc.paths[path]![method]!;
    expect([path, Object.keys(op.responses)]).toEqual([path, expect.arrayContaining(statuses.map(String))]);
    for (const status of statuses.filter((s) => s !== 303)) expect(Object.keys(op.responses[String(status)]!.content ?? {})).toContain('text/html');
    expect(op.responses['303']?.content).toBeUndefined();
    if (method === 'post') expect(Object.keys(op.requestBody!.content)).toContain('application/x-www-form-urlencoded');
  }
});
