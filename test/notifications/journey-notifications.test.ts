/**
 * Notifications inside a running journey, all real: the time-skipping Temporal server, a worker
 * with the real activities, SQLite, an SMTP server, the local Twilio-compatible gateway posting
 * signed status callbacks to the real webhook route. An undelivered SMS falls back to email via
 * webhook → signal → workflow; an unreachable person hands over to the next; a crash after the
 * provider accepted and a 429 are retried by Temporal without a second SMS; quiet hours defer the
 * reminder to the morning while the urgent top of the ladder goes at once.
 */
import type { AddressInfo } from 'node:net';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundleOption } from '@temporalio/worker';
import Fastify, { type FastifyInstance } from 'fastify';
import twilio from 'twilio';
import { createActivities } from '../../src/activities';
import { smsStatusRoutes, SMS_STATUS_PATH } from '../../src/api/routes/webhooks';
import { startJourney } from '../../src/client/journeys';
import { storePolicy } from '../../src/db/policy-bodies';
import { notificationId } from '../../src/journey/notices';
import { loadPolicy } from '../../src/policy';
import { foldToGsm, messageTemplates } from '../../src/notifications/messages';
import { JourneyPolicy } from '../../src/policy/schema';
import { generateKeySpec, parseKeyring } from '../../src/personal-data/crypto';
import { PersonalDataStore } from '../../src/personal-data/store';
import { journeyStateQuery, type TaskState } from '../../src/journey/definitions';
import { waitForState, waitUntilIdle } from '../support/journey-harness';
import { recipientsOf } from '../support/smtp';
import { testDataConverter } from '../support/codec';
import { createTimeSkippingEnv, journeyWorkflowBundle, uniqueTaskQueue } from '../support/temporal';
import { MAIL_FROM, VICTIM_NAME, everythingSent, startRig, until, type NotificationRig } from './support';

const HOUR = 3_600_000;
const MINUTE = 60_000;

/** The default policy's reception stage alone, on a ladder that uses SMS. */
const base = loadPolicy('default');
const ladder = {
  steps: [
    { after: '0s', notify: ['assignee'], channels: ['sms'], urgent: false },
    { after: '2h', notify: ['supervisor'], channels: ['sms'], urgent: false },
    { after: '4h', notify: ['coordinator', 'manager'], channels: ['sms', 'email'], urgent: true },
  ],
  repeatEvery: '4h',
};
const policy = JourneyPolicy.parse({ ...base, id: 'sms-ladder-test', stages: [base.stages[0]], ladders: { ...base.ladders, urgent: ladder, standard: ladder } });

let rig: NotificationRig;
let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleOption;
let webhook: FastifyInstance;
let webhookUrl: string;
/** Set by a test to make the activity fail right after the provider accepted, this many times. */
let crashesAfterAccept = 0;
const keyring = parseKeyring(generateKeySpec('test'));
const VICTIM_PHONE = '+84 90 555 0199';
const VICTIM_ADDRESS = '12 Ngõ Bí Mật, Hòa Vang';

beforeAll(async () => {
  rig = await startRig();
  env = await createTimeSkippingEnv({ searchAttributes: true });
  // The route checks signatures against its public URL, known once the server listens.
  const webhookDeps = { temporal: env.client, db: rig.db, authToken: rig.authToken, publicBaseUrl: '' };
  webhook = Fastify();
  smsStatusRoutes(webhook, webhookDeps);
  await webhook.listen({ host: '127.0.0.1', port: 0 });
  webhookUrl = webhookDeps.publicBaseUrl = `http://127.0.0.1:${(webhook.server.address() as AddressInfo).port}`;
  bundle = await journeyWorkflowBundle();
});
afterAll(async () => {
  await webhook?.close();
  await env?.teardown();
  await rig?.teardown();
});
afterEach(() => {
  rig.gateway.faults.reset();
  crashesAfterAccept = 0;
});

const activities = () =>
  createActivities({
    db: rig.db,
    mailer: rig.mailer,
    sms: rig.sms,
    publicBaseUrl: 'https://dong-hanh.example.gov.vn',
    mailFrom: MAIL_FROM,
    smsStatusCallbackUrl: `${webhookUrl}${SMS_STATUS_PATH}`,
    afterProviderAccepted: () => {
      if (crashesAfterAccept > 0) {
        crashesAfterAccept--;
        throw new Error('worker died after the provider accepted');
      }
    },
  });

/** Starts a journey on a fresh worker, runs `fn` with it and the reception task, then ends the journey. */
async function withJourney(caseCode: string, fn: (handle: WorkflowHandle, task: TaskState) => Promise<void>) {
  const taskQueue = uniqueTaskQueue('notify');
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities: activities(), dataConverter: testDataConverter });
  await worker.runUntil(async () => {
    const handle = await startJourney(env.client, taskQueue, await storePolicy(rig.db.prisma, policy), { caseCode, province: 'VN-DN', leadAgencyId: 'dn-health' });
    try {
      const state = await waitForState(handle, (s) => s.tasks.length > 0);
      // The person's details, as the API stores them (encrypted): nothing of them may reach a message.
      const personal = new PersonalDataStore(rig.db.prisma, keyring);
      await personal.save(caseCode, { fullName: VICTIM_NAME, contact: { phone: VICTIM_PHONE, address: VICTIM_ADDRESS } }, 'test');
      await personal.addNote({ caseCode, taskId: state.tasks[0]!.id, staffId: 'tester', agencyId: 'dn-health', text: `${VICTIM_NAME} sợ về nhà` });
      await fn(handle, state.tasks[0]!);
    } finally {
      await settle(handle).catch(() => undefined);
      await handle.terminate('test finished').catch(() => undefined);
    }
  });
}

/**
 * Waits until nothing is in flight for the journey: every SMS settled (its callbacks, and the
 * signals they caused, delivered) and no activity or workflow task pending. The time-skipping
 * server keeps time locked for a task that completes after its workflow was terminated.
 */
async function settle(handle: WorkflowHandle) {
  await Promise.all(rig.gateway.messages().map((m) => rig.gateway.whenSettled(m.sid)));
  await waitUntilIdle(handle);
}

const staff = (id: string) => rig.db.prisma.staffMember.findUniqueOrThrow({ where: { id } });
const smsFor = (phone: string, caseCode: string) => rig.gateway.messages().filter((m) => m.to === phone && m.body.includes(caseCode));
const mailFor = (address: string, caseCode: string) => rig.inbox.messages.filter((m) => recipientsOf(m).includes(address) && m.subject?.includes(caseCode));
/** Skips to just after the task's acknowledgement deadline plus `offset`. */
async function skipTo(task: TaskState, offsetMs: number) {
  const target = Date.parse(task.acknowledgeDueAt) + offsetMs;
  await env.sleep(Math.max(0, target - (await env.currentTimeMs())));
}
const activityAttempts = async (handle: WorkflowHandle) =>
  (await handle.fetchHistory()).events!.filter((e) => e.activityTaskStartedEventAttributes).map((e) => e.activityTaskStartedEventAttributes!.attempt ?? 0);
const nonEmpty = <T>(list: T[]) => (list.length > 0 ? list : undefined);

test.each([
  ['undelivered (30003, unreachable handset)', 'DN-N4J-0001', 'undelivered', '30003', 'sms-undelivered'],
  ['failed (30005, unknown destination)', 'DN-N4J-0011', 'failed', '30005', 'sms-failed'],
] as const)('an SMS the carrier reports %s falls back to email: status callback → webhook → journey', async (_what, caseCode, status, errorCode, reason) => {
  await withJourney(caseCode, async (_handle, task) => {
    const assignee = await staff(task.assigneeId!);
    if (status === 'undelivered') rig.gateway.faults.markUnreachable(assignee.phone!);
    else rig.gateway.faults.markFailed(assignee.phone!);
    await skipTo(task, MINUTE);

    const [sms] = await until(() => nonEmpty(smsFor(assignee.phone!, caseCode)), 'the reminder SMS');
    const [mail] = await until(() => nonEmpty(mailFor(assignee.email!, caseCode)), 'the fallback email');
    expect(mail!.subject).toBe(`Nhắc việc — hồ sơ ${caseCode}: Tiếp nhận, bảo đảm an toàn, chỗ ở, ăn uống, sơ cứu, phiên dịch`);

    const notice = { task, phase: 'acknowledge' as const, level: 1 };
    const smsRow = await rig.db.prisma.notification.findUniqueOrThrow({ where: { id: notificationId(notice, 'sms', assignee.id) } });
    expect(smsRow).toMatchObject({ status: 'failed', providerId: sms!.sid, providerStatus: status, errorCode });
    expect(smsRow.error).toMatch(new RegExp(`^${reason}`));
    expect(await rig.db.prisma.notification.findUniqueOrThrow({ where: { id: notificationId(notice, 'email', assignee.id) } })).toMatchObject({ status: 'sent' });
    // Only one SMS and one email: the re-run step sent nothing twice.
    expect(smsFor(assignee.phone!, caseCode)).toHaveLength(1);
    expect(mailFor(assignee.email!, caseCode)).toHaveLength(1);
  });
});

test('a person no channel reaches is handed over to the next person on the ladder at once, with the reason', async () => {
  await withJourney('DN-N4J-0002', async (_handle, task) => {
    const assignee = await staff(task.assigneeId!);
    const supervisor = await staff(assignee.supervisorId!);
    rig.gateway.faults.unsubscribe(assignee.phone!);
    await rig.db.prisma.staffMember.update({ where: { id: assignee.id }, data: { email: null } });
    try {
      await skipTo(task, MINUTE);
      const [relay] = await until(() => nonEmpty(smsFor(supervisor.phone!, 'DN-N4J-0002')), 'the hand-over SMS');
      expect(relay!.body).toContain(`khong lien lac duoc ${foldToGsm(assignee.name)} (so da tu choi nhan SMS; khong co dia chi email)`);
    } finally {
      await rig.db.prisma.staffMember.update({ where: { id: assignee.id }, data: { email: assignee.email } });
    }
  });
});

test('an activity that dies after Twilio accepted is retried by Temporal, and the SMS still goes once', async () => {
  crashesAfterAccept = 1;
  await withJourney('DN-N4J-0003', async (handle, task) => {
    const assignee = await staff(task.assigneeId!);
    await skipTo(task, MINUTE);
    const id = notificationId({ task, phase: 'acknowledge', level: 1 }, 'sms', assignee.id);
    await until(async () => ['sent', 'delivered'].includes((await rig.db.prisma.notification.findUnique({ where: { id } }))?.status ?? ''), 'the SMS recorded as sent', 30_000);
    expect(crashesAfterAccept).toBe(0);
    // Temporal retried the failed attempt; the retry found the message already accepted.
    await until(async () => (await activityAttempts(handle)).includes(2), 'the second attempt', 30_000);
    expect(smsFor(assignee.phone!, 'DN-N4J-0003')).toHaveLength(1);
  });
});

test('a 429 from Twilio is retried after its Retry-After, and the SMS goes once', async () => {
  await withJourney('DN-N4J-0004', async (handle, task) => {
    const assignee = await staff(task.assigneeId!);
    rig.gateway.faults.failNext(1, 429, 1);
    await skipTo(task, MINUTE);
    await until(() => smsFor(assignee.phone!, 'DN-N4J-0004').length, 'the SMS after the rate limit', 30_000);
    await until(async () => (await activityAttempts(handle)).includes(2), 'the second attempt', 30_000);
    expect(smsFor(assignee.phone!, 'DN-N4J-0004')).toHaveLength(1);
  });
});

test('quiet hours hold a reminder until morning; the urgent top of the ladder goes at once', async () => {
  await withJourney('DN-N4J-0005', async (handle, task) => {
    const assignee = await staff(task.assigneeId!);
    const manager = await staff('dn-health-manager-1');
    // A quiet window in Vietnam time from an hour before the deadline to six hours after it.
    const local = (ms: number) =>
      new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Ho_Chi_Minh', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(ms));
    const due = Date.parse(task.acknowledgeDueAt);
    const quiet = { quietHoursStart: local(due - HOUR), quietHoursEnd: local(due + 6 * HOUR) };
    for (const id of [assignee.id, manager.id]) await rig.db.prisma.staffMember.update({ where: { id }, data: quiet });
    try {
      await skipTo(task, MINUTE);
      const id = notificationId({ task, phase: 'acknowledge', level: 1 }, 'sms', assignee.id);
      const deferred = await until(() => rig.db.prisma.notification.findUnique({ where: { id } }), 'the deferred reminder');
      expect(deferred).toMatchObject({ status: 'deferred' });
      expect(smsFor(assignee.phone!, 'DN-N4J-0005')).toHaveLength(0);

      // Level 3 (urgent, the top of the ladder) at +4h reaches the manager inside her quiet hours.
      await skipTo(task, 4 * HOUR + MINUTE);
      await until(() => smsFor(manager.phone!, 'DN-N4J-0005').length, 'the urgent SMS to the manager');
      expect(smsFor(assignee.phone!, 'DN-N4J-0005')).toHaveLength(0);

      // Morning (the window's end, +6h): the held reminder goes, once.
      await skipTo(task, 6 * HOUR + MINUTE);
      const [reminder] = await until(() => nonEmpty(smsFor(assignee.phone!, 'DN-N4J-0005')), 'the morning reminder');
      expect(reminder!.body).toMatch(/^Đồng Hành: hồ sơ DN-N4J-0005|^Dong Hanh: ho so DN-N4J-0005/);
      await skipTo(task, 6 * HOUR + 30 * MINUTE);
      expect(smsFor(assignee.phone!, 'DN-N4J-0005')).toHaveLength(1);
      expect((await handle.query(journeyStateQuery)).tasks[0]!.escalationLevel).toBe(3);
    } finally {
      for (const id of [assignee.id, manager.id]) await rig.db.prisma.staffMember.update({ where: { id }, data: { quietHoursStart: null, quietHoursEnd: null } });
    }
  });
});

describe('the status webhook', () => {
  const post = (params: Record<string, string>, headers: Record<string, string> = {}, url = `${webhookUrl}${SMS_STATUS_PATH}`) =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(params).toString() });

  test('refuses a missing or forged signature with 403 and changes nothing; accepts a signed report', async () => {
    const sent = rig.gateway.messages().find((m) => m.status === 'delivered')!;
    const row = await rig.db.prisma.notification.findFirstOrThrow({ where: { providerId: sent.sid } });
    const url = `${webhookUrl}${SMS_STATUS_PATH}?n=${encodeURIComponent(row.id)}`;
    const forged = { AccountSid: sent.accountSid, MessageSid: sent.sid, MessageStatus: 'undelivered', ErrorCode: '30003' };
    const mails = rig.inbox.messages.length;

    expect((await post(forged, {}, url)).status).toBe(403);
    expect((await post(forged, { 'x-twilio-signature': twilio.getExpectedTwilioSignature('not-the-token', url, forged) }, url)).status).toBe(403);
    // Signed for other parameters (a real delivered callback), replayed with a changed status.
    const genuine = { ...forged, MessageStatus: 'delivered' };
    delete (genuine as Partial<typeof forged>).ErrorCode;
    const signature = twilio.getExpectedTwilioSignature(rig.authToken, url, genuine);
    const replayed = await post(forged, { 'x-twilio-signature': signature }, url);
    expect(replayed.status).toBe(403);
    expect(replayed.headers.get('content-type')).toContain('application/problem+json');
    expect(await rig.db.prisma.notification.findUniqueOrThrow({ where: { id: row.id } })).toEqual(row);

    const accepted = await post(genuine, { 'x-twilio-signature': signature }, url);
    expect(accepted.status).toBe(204);
    expect(await rig.db.prisma.notification.findUniqueOrThrow({ where: { id: row.id } })).toMatchObject({ status: 'delivered', providerStatus: 'delivered' });
    expect(rig.inbox.messages.length).toBe(mails);
  });
});

test('no message names the person the case is about, and every one is a template filled with facts', async () => {
  // Every journey above had the person's name, phone and address stored (and a note naming them).
  expect(await rig.db.prisma.casePersonalData.count()).toBeGreaterThanOrEqual(6);
  const texts = everythingSent(rig);
  expect(rig.gateway.messages().length).toBeGreaterThanOrEqual(6);
  const plain = (s: string) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[đĐ]/g, 'd').toLowerCase();
  for (const text of texts) {
    for (const secret of [VICTIM_NAME, 'Bí Mật', VICTIM_ADDRESS]) expect(plain(text)).not.toContain(plain(secret));
    expect(text.replace(/\D/g, '')).not.toContain(VICTIM_PHONE.replace(/\D/g, ''));
  }

  const asPattern = (template: string) => new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{(\w+)\\?\}/g, '(.*?)')}$`, 's');
  const sms = Object.values(messageTemplates.sms).flatMap((kind) => Object.values(kind)).filter((t): t is string => typeof t === 'string');
  const smsPatterns = sms.flatMap((t) => [asPattern(t), asPattern(foldToGsm(t))]);
  for (const m of rig.gateway.messages()) expect(smsPatterns.some((p) => p.test(m.body))).toBe(true);
  const emailPatterns = (['reminder', 'escalation', 'relay'] as const).flatMap((k) => Object.values(messageTemplates[k]).map((t) => asPattern(t.text)));
  for (const m of rig.inbox.messages) expect(emailPatterns.some((p) => p.test(m.text!.trimEnd()))).toBe(true);
});

