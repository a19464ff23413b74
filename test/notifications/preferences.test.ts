/**
 * Preferences and absence in real journeys: the suite's Temporal server with the harness's worker
 * (real activities), SQLite, the harness's SMTP server, the local SMS gateway through the real
 * twilio client, short task links signed by the API. A person who prefers SMS gets the reminder
 * by SMS, in their language, and no email; while someone is away their deputy receives their
 * reminders (and the supervisor's deputy the supervisor's), sees the task as theirs in the inbox
 * and completes it through the link of the message; once the absence has ended, messages go back.
 */
import { randomBytes } from 'node:crypto';
import { createApiKey } from '../../src/auth/api-keys';
import { startJourney } from '../../src/client/journeys';
import { storePolicy } from '../../src/db/policy-bodies';
import { startSmsGateway, type SmsGateway } from '../../src/local/sms-gateway';
import { channelsFor } from '../../src/notifications/channels';
import { loadPolicy } from '../../src/policy';
import { JourneyPolicy } from '../../src/policy/schema';
import { createSmsSender } from '../../src/transports/sms';
import { createApiHarness, uniqueCode, type ApiHarness } from '../api/support/harness';
import { Browser, signIn } from '../api/support/inbox-client';
import { recipientsOf } from '../support/smtp';
import { until } from './support';

/** The reception stage alone, due at once: a reminder to the assignee, then one to their supervisor. */
const base = loadPolicy('default');
const ladder = {
  steps: [
    { after: '0s', notify: ['assignee'], channels: ['email'], urgent: false },
    { after: '1s', notify: ['supervisor'], channels: ['email'], urgent: false },
    { after: '1h', notify: ['coordinator', 'manager'], channels: ['email', 'sms'], urgent: true },
  ],
  repeatEvery: '1h',
};
const reception = { ...base.stages[0]!, tasks: [{ ...base.stages[0]!.tasks[0]!, acknowledgeWithin: '1s', completeWithin: '1h' }] };
const policy = JourneyPolicy.parse({ ...base, id: 'preferences-test', stages: [reception], ladders: { ...base.ladders, urgent: ladder, standard: ladder } });

/** An agency of this file alone, so the reception task's assignee is known: its only caseworker. */
const AGENCY = 'dn-pref-health';
const CW = 'pref-caseworker';
const SUP = 'pref-supervisor';
const DEPUTY = 'pref-deputy';
const SUP_DEPUTY = 'pref-supervisor-deputy';
const email = (id: string) => `${id}@donghanh.local`;
const phone: Record<string, string> = { [CW]: '+84905550101', [SUP]: '+84905550102', [DEPUTY]: '+84905550103', [SUP_DEPUTY]: '+84905550104' };

let h: ApiHarness;
let gateway: SmsGateway;
let cwKey: string;
let deputyKey: string;

beforeAll(async () => {
  const accountSid = `AC${randomBytes(16).toString('hex')}`;
  const authToken = randomBytes(16).toString('hex');
  gateway = await startSmsGateway({ accountSid, authToken, stepDelayMs: 5 });
  h = await createApiHarness({ notifications: { sms: createSmsSender({ accountSid, authToken, baseUrl: gateway.url, from: 'DongHanh' }), taskLinks: true } });
  await h.db.prisma.agency.create({ data: { id: AGENCY, province: 'VN-DN', kind: 'health_dept', nameVi: 'Sở Y tế (thử)', nameEn: 'Health department (test)' } });
  const staff = (id: string, role: string, supervisorId: string | null = null) => ({ id, agencyId: AGENCY, name: `Cán bộ ${id}`, email: email(id), phone: phone[id], role, supervisorId });
  await h.db.prisma.staffMember.createMany({
    data: [staff(SUP, 'supervisor'), staff(CW, 'caseworker', SUP), staff(DEPUTY, 'focal_point', SUP), staff(SUP_DEPUTY, 'focal_point')],
  });
  const key = (staffId: string) =>
    createApiKey(h.db.prisma, { owner: staffId, role: 'staff', agencyId: AGENCY, province: 'VN-DN', staffId, expiresAt: new Date(Date.now() + 86_400_000), createdBy: 'test' }).then((k) => k.key);
  [cwKey, deputyKey] = await Promise.all([key(CW), key(DEPUTY)]);
}, 60_000);
afterAll(async () => {
  await h?.close();
  await gateway?.close();
});

async function openCase(): Promise<string> {
  const code = uniqueCode('DN');
  const stored = await storePolicy(h.db.prisma, policy);
  await startJourney(h.client, h.taskQueue, stored, { caseCode: code, province: 'VN-DN', leadAgencyId: AGENCY });
  h.opened.push(code);
  return code;
}

const mailsAbout = (code: string) => h.inbox.messages.filter((m) => (m.subject ?? '').includes(code));
const mailTo = (code: string, id: string) => mailsAbout(code).find((m) => recipientsOf(m).includes(email(id)));
const smsAbout = (code: string) => gateway.messages().filter((m) => m.body.includes(code));
/** Who was sent what about the case, from the outbox's ledger. */
const sent = async (code: string) =>
  (await h.db.prisma.notification.findMany({ where: { taskId: `${code}/reception`, status: { in: ['sent', 'delivered'] } }, orderBy: { id: 'asc' } })).map((n) => `${n.level}:${n.channel}:${n.recipientId}`).sort();
const inDays = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString();

it('a person who prefers SMS gets the reminder by SMS, in their language, and no email', async () => {
  const set = await h.call(cwKey, 'PUT', '/me/preferences', { body: { preferredChannel: 'sms', language: 'en' } });
  expect(set.status).toBe(200);
  const code = await openCase();

  const [sms] = await until(() => (smsAbout(code).some((m) => m.to === phone[CW]) ? smsAbout(code).filter((m) => m.to === phone[CW]) : null), 'the SMS reminder');
  expect(sms!.body).toContain(`Dong Hanh: case ${code}`);
  expect(sms!.body).toMatch(/\/t\/[0-9A-Za-z]{10}/);
  // The supervisor has no preference: their step's own channel, email.
  await until(() => mailTo(code, SUP), 'the supervisor’s email');
  expect(mailTo(code, CW)).toBeUndefined();
  expect((await sent(code)).filter((s) => s.endsWith(`:${CW}`))).toEqual([`1:sms:${CW}`]);

  expect((await h.call(cwKey, 'PUT', '/me/preferences', { body: { preferredChannel: null, language: 'vi' } })).status).toBe(200);
}, 60_000);

it('during an absence the deputy gets the reminders, sees the task as theirs and completes it through the link', async () => {
  // The caseworker sets their own absence; the supervisor's is set by the province's manager.
  expect((await h.call(cwKey, 'PUT', '/me/absence', { body: { until: inDays(7), reason: 'leave', deputyId: DEPUTY } })).status).toBe(200);
  expect((await h.call('manager', 'PUT', `/directory/staff/${SUP}/absence`, { body: { until: inDays(7), reason: 'training', deputyId: SUP_DEPUTY } })).status).toBe(200);
  const code = await openCase();

  const reminder = await until(() => mailTo(code, DEPUTY), 'the reminder to the deputy');
  await until(() => mailTo(code, SUP_DEPUTY), 'the supervisor step to the supervisor’s deputy');
  expect(await sent(code)).toEqual([`1:email:${DEPUTY}`, `2:email:${SUP_DEPUTY}`]);
  expect(mailTo(code, CW)).toBeUndefined();
  expect(mailTo(code, SUP)).toBeUndefined();
  // Each deputy is told whom they stand in for (a colleague's name; nothing about the person the case is about).
  expect(reminder.text).toContain(`thay cho Cán bộ ${CW} (đang vắng mặt)`);
  expect(mailTo(code, SUP_DEPUTY)!.text).toContain(`thay cho Cán bộ ${SUP} (đang vắng mặt)`);

  // The task is the absent caseworker's, and the deputy's own while they cover: in the inbox and in /tasks/mine.
  const taskId = `${code}/reception`;
  expect((await h.db.prisma.task.findUniqueOrThrow({ where: { id: taskId } })).assigneeId).toBe(CW);
  const mine = await h.call(deputyKey, 'GET', '/tasks/mine');
  expect(mine.body.items.map((t: { taskId: string }) => t.taskId)).toContain(taskId);
  const browser = new Browser(h.baseUrl);
  await signIn(browser, h.inbox, email(DEPUTY));
  const inbox = await browser.get('/inbox?lang=en');
  const [mySection] = inbox.text.split('My agency');
  expect(mySection).toContain(code);

  // The link of the deputy's message acts as the deputy.
  const link = /\/t\/([0-9A-Za-z]{10})/.exec(reminder.text ?? '')![0];
  const act = async (action: string) => {
    const page = await fetch(`${h.baseUrl}${link}`);
    const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0]!;
    const form = /name="form" value="([^"]+)"/.exec(await page.text())![1]!;
    const res = await fetch(`${h.baseUrl}${link}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie }, body: new URLSearchParams({ form, action }).toString() });
    expect([action, res.status]).toEqual([action, 200]);
  };
  await act('acknowledge');
  await act('complete');
  const state = await until(async () => {
    const s = await h.state(code);
    return s.tasks.find((t) => t.id === taskId)?.status === 'done' ? s : null;
  }, 'the task completed');
  expect(state.history.filter((e) => e.taskId === taskId && (e.action === 'acknowledged' || e.action === 'completed')).map((e) => e.by)).toEqual([DEPUTY, DEPUTY]);
}, 60_000);

it('once the absence has ended, the person gets their reminders again', async () => {
  expect((await h.call(cwKey, 'DELETE', '/me/absence')).status).toBe(204);
  // The supervisor's absence simply ran out (as time passing would leave it).
  await h.db.prisma.staffMember.update({ where: { id: SUP }, data: { absentFrom: new Date(Date.now() - 3 * 86_400_000), absentUntil: new Date(Date.now() - 60_000) } });
  const code = await openCase();

  await until(() => mailTo(code, CW), 'the reminder to the caseworker');
  await until(() => mailTo(code, SUP), 'the supervisor step to the supervisor');
  expect(await sent(code)).toEqual([`1:email:${CW}`, `2:email:${SUP}`]);
  expect(mailTo(code, CW)!.text).not.toContain('thay cho');
  expect(mailTo(code, DEPUTY)).toBeUndefined();
  expect(mailTo(code, SUP_DEPUTY)).toBeUndefined();
}, 60_000);

describe('the channels of a step for one person', () => {
  const EMAIL = ['email'] as const;
  const BOTH = ['email', 'sms'] as const;
  it('no preference: the step’s own channels, as before', () => {
    expect(channelsFor({ preferredChannel: null }, EMAIL, false)).toEqual(['email']);
    expect(channelsFor({ preferredChannel: null }, BOTH, true)).toEqual(['email', 'sms']);
  });
  it('a preference replaces the channels of an ordinary step', () => {
    expect(channelsFor({ preferredChannel: 'sms' }, EMAIL, false)).toEqual(['sms']);
    expect(channelsFor({ preferredChannel: 'email' }, BOTH, false)).toEqual(['email']);
    expect(channelsFor({ preferredChannel: 'both' }, EMAIL, false)).toEqual(['email', 'sms']);
  });
  it('an urgent step keeps its own channels besides the preferred one', () => {
    expect(channelsFor({ preferredChannel: 'email' }, BOTH, true)).toEqual(['email', 'sms']);
    expect(channelsFor({ preferredChannel: 'sms' }, EMAIL, true)).toEqual(['email', 'sms']);
  });
});
