/**
 * One ladder step delivered for real: a real SMTP server, the real twilio client against the local
 * Twilio-compatible gateway, a migrated SQLite database. Exactly once (also across a crash after
 * the provider accepted), fallback on each typed failure, the next person told when someone is
 * unreachable, transient errors retried with Retry-After, quiet hours, and the contract with
 * Twilio's OpenAPI description for every request the app sends.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { createActivities } from '../../src/activities';
import { ActionLinks } from '../../src/auth/action-links';
import { deliverEscalation, type DeliveryDeps } from '../../src/notifications/delivery';
import { messageIdFor, TransientSendError } from '../../src/notifications/outbox';
import { notificationId, type EscalationNotice } from '../../src/journey/notices';
import type { CapturedRequest } from '../../src/local/sms-gateway';
import { recipientsOf } from '../support/smtp';
import { MAIL_FROM, SMS_FROM, caseWithTask, person, startRig, type NotificationRig } from './support';

let rig: NotificationRig;
const captured: CapturedRequest[] = [];
beforeAll(async () => {
  rig = await startRig();
  rig.gateway.events.on('request', (r) => captured.push(r));
});
afterAll(() => rig?.teardown());
afterEach(() => rig.gateway.faults.reset());

const deps = (extra: Partial<DeliveryDeps> = {}): DeliveryDeps => ({
  db: rig.db,
  mailer: rig.mailer,
  sms: rig.sms,
  publicBaseUrl: 'https://dong-hanh.example.gov.vn',
  mailFrom: MAIL_FROM,
  ...extra,
});

function notice(task: EscalationNotice['task'], step: Partial<EscalationNotice['step']> = {}, extra: Partial<EscalationNotice> = {}): EscalationNotice {
  return {
    caseCode: task.id.split('/')[0]!,
    task,
    phase: 'acknowledge',
    level: 1,
    step: { after: '0s', notify: ['assignee'], channels: ['sms'], urgent: false, ...step },
    relayTo: ['supervisor'],
    ...extra,
  };
}

const smsTo = (phone: string) => rig.gateway.messages().filter((m) => m.to === phone);
const mailTo = (address: string) => rig.inbox.messages.filter((m) => recipientsOf(m).includes(address));
const row = (id: string) => rig.db.prisma.notification.findUniqueOrThrow({ where: { id } });

test('email and SMS reach each person in their own language, and a second run sends nothing', async () => {
  await person(rig.db, { id: 't1-boss', name: 'Emma Clarke', language: 'en', role: 'supervisor', phone: '+84911000102' });
  await person(rig.db, { id: 't1-worker', name: 'Nguyễn Thị Lan', phone: '+84911000101', supervisorId: 't1-boss' });
  const task = await caseWithTask(rig.db, 'DN-N4-0001', 't1-worker');
  const step = notice(task, { notify: ['assignee', 'supervisor'], channels: ['email', 'sms'] }, { level: 2 });

  const first = await deliverEscalation(deps(), step);
  expect(first).toMatchObject({ sent: 4, alreadySent: 0, failed: [], relayed: [] });

  const [vi] = mailTo('t1-worker@donghanh.local');
  expect(vi!.subject).toBe('Quá hạn 1 phút — hồ sơ DN-N4-0001: Tiếp nhận và hỗ trợ khẩn cấp chưa được xác nhận tiếp nhận');
  expect(vi!.text).toContain('Kính gửi Nguyễn Thị Lan');
  expect(vi!.text).toContain('https://dong-hanh.example.gov.vn/tasks/DN-N4-0001%2Freception');
  expect(vi!.html).toContain('<a href="https://dong-hanh.example.gov.vn/tasks/DN-N4-0001%2Freception">');
  expect(vi!.messageId).toBe(messageIdFor(notificationId(step, 'email', 't1-worker'), MAIL_FROM));
  const [en] = mailTo('t1-boss@donghanh.local');
  expect(en!.subject).toBe('Overdue 1 minute — case DN-N4-0001: Reception and immediate support not acknowledged');

  const [viSms] = smsTo('+84911000101');
  expect(viSms).toMatchObject({ from: SMS_FROM });
  expect(viSms!.body).toMatch(/^Dong Hanh, qua han: ho so DN-N4-0001, viec "Tiep nhan va ho tro khan cap" chua xac nhan, tre 1 phut \(han \d\d:\d\d \d\d\/\d\d\)/);
  expect(viSms!.numSegments).toBeLessThanOrEqual(2);
  const [enSms] = smsTo('+84911000102');
  expect(enSms!.body).toContain('Dong Hanh overdue: case DN-N4-0001, task "Reception and immediate support" not acknowledged, 1 minute late (due');
  expect(enSms!.encoding).toBe('GSM-7');
  expect(await row(notificationId(step, 'sms', 't1-worker'))).toMatchObject({ status: 'sent', providerId: viSms!.sid, phase: 'acknowledge', attempts: 1 });

  const again = await deliverEscalation(deps(), step);
  expect(again).toMatchObject({ sent: 0, alreadySent: 4 });
  expect(mailTo('t1-worker@donghanh.local')).toHaveLength(1);
  expect(smsTo('+84911000101')).toHaveLength(1);
});

test('an activity that dies after the provider accepted an SMS is retried without a second SMS', async () => {
  await person(rig.db, { id: 't2-worker', phone: '+84911000201' });
  const task = await caseWithTask(rig.db, 'DN-N4-0002', 't2-worker');
  const step = notice(task);
  const id = notificationId(step, 'sms', 't2-worker');
  let crashes = 1;
  const crashing = deps({
    afterProviderAccepted: () => {
      if (crashes-- > 0) throw new Error('worker lost after the provider accepted');
    },
  });

  await expect(deliverEscalation(crashing, step)).rejects.toThrow('worker lost after the provider accepted');
  expect(await row(id)).toMatchObject({ status: 'sending', providerId: null });
  expect(smsTo('+84911000201')).toHaveLength(1);

  // The retry asks the provider, finds the message by its text and records it instead of resending.
  const retry = await deliverEscalation(crashing, step, 2);
  expect(retry).toMatchObject({ sent: 0, alreadySent: 1 });
  expect(smsTo('+84911000201')).toHaveLength(1);
  expect(await row(id)).toMatchObject({ status: 'sent', providerId: smsTo('+84911000201')[0]!.sid });
});

test('an email whose record was lost is sent again under the same Message-ID (the documented at-least-once window)', async () => {
  await person(rig.db, { id: 't3-worker', email: 't3@donghanh.local' });
  const task = await caseWithTask(rig.db, 'DN-N4-0003', 't3-worker');
  const step = notice(task, { channels: ['email'] });
  let crashes = 1;
  const crashing = deps({
    afterProviderAccepted: () => {
      if (crashes-- > 0) throw new Error('lost');
    },
  });
  await expect(deliverEscalation(crashing, step)).rejects.toThrow('lost');
  await deliverEscalation(crashing, step, 2);
  const mails = mailTo('t3@donghanh.local');
  expect(mails).toHaveLength(2);
  expect(new Set(mails.map((m) => m.messageId)).size).toBe(1);
  await deliverEscalation(crashing, step, 3);
  expect(mailTo('t3@donghanh.local')).toHaveLength(2);
});

test('an email to someone of the task’s agency carries a signed one-click acknowledge link; the SMS does not', async () => {
  const links = new ActionLinks(randomBytes(32), { publicBaseUrl: 'https://dong-hanh.example.gov.vn', ttlMs: 72 * 3_600_000 });
  await person(rig.db, { id: 't9-worker', email: 't9@donghanh.local', phone: '+84911000901' });
  const task = await caseWithTask(rig.db, 'DN-N4-0009', 't9-worker');
  await deliverEscalation(deps({ actionLink: (r) => links.sign(r).url }), notice(task, { channels: ['email', 'sms'] }));
  const [mail] = mailTo('t9@donghanh.local');
  const url = /Xác nhận đã tiếp nhận bằng một lần bấm: (\S+)/.exec(mail!.text!)![1]!;
  const check = links.verify(url.split('/actions/')[1]!);
  expect(check).toMatchObject({ ok: true, claims: { act: 'acknowledge', task: 'DN-N4-0009/reception', staff: 't9-worker', agency: 'dn-health' } });
  expect(smsTo('+84911000901')[0]!.body).not.toContain('/actions/');
});

describe('a typed SMS failure falls back to email', () => {
  test.each([
    ['an invalid number (21211)', 'sms-invalid-number', '0905123456'],
    ['an unsubscribed number (21610)', 'sms-unsubscribed', '+84911000402'],
    ['no number at all', 'no-phone', null],
  ] as const)('%s', async (_what, reason, phone) => {
    const id = `t4-${reason}`;
    await person(rig.db, { id, phone });
    if (reason === 'sms-unsubscribed') rig.gateway.faults.unsubscribe(phone!);
    const task = await caseWithTask(rig.db, `DN-N4-04-${reason.toUpperCase()}`, id);
    const step = notice(task);
    const report = await deliverEscalation(deps(), step);
    expect(report).toMatchObject({ sent: 1, failed: [{ recipientId: id, channel: 'sms', reason }], relayed: [] });
    expect(mailTo(`${id}@donghanh.local`)).toHaveLength(1);
    expect((await row(notificationId(step, 'sms', id))).status).toBe('failed');
  });
});

describe('a typed email failure falls back to SMS', () => {
  test.each([
    ['a refused mailbox (550)', 'email-rejected', 't5-bounce@donghanh.local'],
    ['no address at all', 'no-email', null],
  ] as const)('%s', async (_what, reason, email) => {
    const id = `t5-${reason}`;
    if (email) rig.refuse.set(email, { code: 550, times: 99 });
    await person(rig.db, { id, email, phone: `+8491100050${reason.length}` });
    const task = await caseWithTask(rig.db, `DN-N4-05-${reason.toUpperCase()}`, id);
    const report = await deliverEscalation(deps(), notice(task, { channels: ['email'] }));
    expect(report).toMatchObject({ sent: 1, failed: [{ recipientId: id, channel: 'email', reason }] });
    expect(smsTo(`+8491100050${reason.length}`)).toHaveLength(1);
  });
});

test('when no channel reaches a person, the next person on the ladder is told who and why; then the lead agency', async () => {
  await person(rig.db, { id: 't6-boss', name: 'Lê Văn Sếp', role: 'supervisor', phone: '+84911000602', email: null });
  await person(rig.db, { id: 't6-worker', name: 'Trần Văn Vắng', phone: '0905000601', email: null, supervisorId: 't6-boss' });
  const task = await caseWithTask(rig.db, 'DN-N4-0006', 't6-worker');
  const report = await deliverEscalation(deps(), notice(task));
  expect(report.relayed).toEqual([{ aboutRecipientId: 't6-worker', recipientId: 't6-boss' }]);
  const [relay] = smsTo('+84911000602');
  expect(relay!.body).toContain('khong lien lac duoc Tran Van Vang (so dien thoai khong hop le; khong co dia chi email)');
  expect(relay!.body).toContain('DN-N4-0006');

  // Nobody on the next step can be reached either: the lead agency's coordinator and manager are told.
  await person(rig.db, { id: 't6-boss2', role: 'supervisor', phone: null, email: null });
  await person(rig.db, { id: 't6-worker2', name: 'Phạm Văn Vắng', phone: null, email: null, supervisorId: 't6-boss2' });
  const task2 = await caseWithTask(rig.db, 'DN-N4-0006B', 't6-worker2');
  const second = await deliverEscalation(deps(), notice(task2));
  expect(second.relayed.map((r) => r.recipientId).sort()).toEqual(['dn-health-coordinator-1', 'dn-health-manager-1']);
  const manager = await rig.db.prisma.staffMember.findUniqueOrThrow({ where: { id: 'dn-health-manager-1' } });
  const [lastResort] = smsTo(manager.phone!).filter((m) => m.body.includes('DN-N4-0006B'));
  expect(lastResort!.body).toContain('khong lien lac duoc Pham Van Vang (khong co so dien thoai; khong co dia chi email)');
});

describe('transient failures are retried, honouring Retry-After, and still send once', () => {
  const activities = (): ReturnType<typeof createActivities> =>
    createActivities({ db: rig.db, mailer: rig.mailer, sms: rig.sms, publicBaseUrl: 'https://x.example', mailFrom: MAIL_FROM });

  test.each([
    [429, 7000],
    [503, undefined],
  ] as const)('Twilio %i', async (status, retryAfterMs) => {
    const id = `t7-${status}`;
    const phone = `+849110007${status}`;
    await person(rig.db, { id, phone });
    const task = await caseWithTask(rig.db, `DN-N4-07-${status}`, id);
    rig.gateway.faults.failNext(1, status, retryAfterMs === undefined ? undefined : retryAfterMs / 1000);
    const failure = await activities().notifyEscalation(notice(task)).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: 'TransientSendFailure', nonRetryable: false, nextRetryDelay: retryAfterMs });
    expect((await row(notificationId(notice(task), 'sms', id))).status).toBe('pending');

    await expect(activities().notifyEscalation(notice(task))).resolves.toMatchObject({ sent: 1 });
    expect(smsTo(phone)).toHaveLength(1);
  });

  test('SMTP 451', async () => {
    rig.refuse.set('t7-smtp@donghanh.local', { code: 451, times: 1 });
    await person(rig.db, { id: 't7-smtp', email: 't7-smtp@donghanh.local' });
    const task = await caseWithTask(rig.db, 'DN-N4-07-SMTP', 't7-smtp');
    const step = notice(task, { channels: ['email'] });
    await expect(deliverEscalation(deps(), step)).rejects.toBeInstanceOf(TransientSendError);
    await expect(deliverEscalation(deps(), step, 2)).resolves.toMatchObject({ sent: 1 });
    expect(mailTo('t7-smtp@donghanh.local')).toHaveLength(1);
  });

  test('a channel that stays down long enough counts as failed, so the other channel is used', async () => {
    rig.refuse.set('t7-down@donghanh.local', { code: 421, times: 99 });
    await person(rig.db, { id: 't7-down', email: 't7-down@donghanh.local', phone: '+84911000799' });
    const task = await caseWithTask(rig.db, 'DN-N4-07-DOWN', 't7-down');
    const report = await deliverEscalation(deps({ fallbackAfterAttempts: 3 }), notice(task, { channels: ['email'] }), 3);
    expect(report).toMatchObject({ sent: 1, failed: [{ channel: 'email', reason: 'email-unavailable' }] });
    expect(smsTo('+84911000799')).toHaveLength(1);
  });
});

test('quiet hours: a non-urgent step waits for the morning, an urgent one goes at once', async () => {
  await person(rig.db, { id: 't8-worker', phone: '+84911000801' });
  const task = await caseWithTask(rig.db, 'DN-N4-0008', 't8-worker');
  const night = '2026-11-29T16:00:00Z'; // 23:00 in Vietnam
  const quiet = deps({ quietHours: { start: '21:00', end: '07:00', timeZone: 'Asia/Ho_Chi_Minh' } });

  const deferred = await deliverEscalation(quiet, notice(task, {}, { at: night }));
  expect(deferred).toMatchObject({ sent: 0, deferUntil: '2026-11-30T00:00:00.000Z', deferred: [{ recipientId: 't8-worker' }] });
  expect(smsTo('+84911000801')).toHaveLength(0);
  expect(await row(notificationId(notice(task), 'sms', 't8-worker'))).toMatchObject({ status: 'deferred' });

  const morning = await deliverEscalation(quiet, notice(task, {}, { at: '2026-11-30T00:00:00Z' }));
  expect(morning).toMatchObject({ sent: 1 });
  expect(morning.deferUntil).toBeUndefined();

  const urgent = await deliverEscalation(quiet, notice(task, {}, { at: night, level: 4, urgent: true }));
  expect(urgent).toMatchObject({ sent: 1 });
  expect(smsTo('+84911000801')).toHaveLength(2);
});

describe('contract with Twilio’s OpenAPI description', () => {
  interface Operation {
    parameters?: { name: string; in: string; required?: boolean; schema: { pattern?: string } }[];
    requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown>; required?: string[] } }> };
  }
  const spec = JSON.parse(readFileSync(path.resolve(__dirname, '..', 'fixtures', 'twilio', 'messages-api-v2010.json'), 'utf8')) as {
    paths: Record<string, Record<string, Operation>>;
  };

  function operationFor(request: CapturedRequest) {
    for (const [template, methods] of Object.entries(spec.paths)) {
      const pattern = new RegExp(`^${template.replace(/[.]/g, '\\.').replace(/\{\w+\}/g, '([^/]+)')}$`);
      const match = pattern.exec(request.path);
      if (match) return { template, operation: methods[request.method.toLowerCase()], values: match.slice(1) };
    }
    return undefined;
  }

  test('every request the app sent (send, and list to reconcile) is one the spec declares', () => {
    const kinds = new Set(captured.map((r) => `${r.method} ${operationFor(r)?.template}`));
    expect(kinds).toEqual(new Set(['POST /2010-04-01/Accounts/{AccountSid}/Messages.json', 'GET /2010-04-01/Accounts/{AccountSid}/Messages.json']));
    for (const request of captured) {
      const { operation, values } = operationFor(request)!;
      expect(operation).toBeDefined();
      const pathParams = operation!.parameters!.filter((p) => p.in === 'path');
      pathParams.forEach((p, i) => expect(values[i]).toMatch(new RegExp(p.schema.pattern!)));
      const query = operation!.parameters!.filter((p) => p.in === 'query').map((p) => p.name);
      expect(query).toEqual(expect.arrayContaining(Object.keys(request.query)));
      if (request.method === 'POST') {
        expect(request.contentType?.split(';')[0]).toBe('application/x-www-form-urlencoded');
        const form = operation!.requestBody!.content['application/x-www-form-urlencoded']!.schema;
        expect(Object.keys(form.properties!)).toEqual(expect.arrayContaining(Object.keys(request.params)));
        for (const name of form.required ?? []) expect(request.params).toHaveProperty(name);
        expect(request.params).toMatchObject({ From: SMS_FROM });
      }
    }
  });
});
