/**
 * POST /webhooks/sms-status through the real API and a real journey: a replayed final status is
 * recorded once and signals the journey once; the route is rate-limited per client address.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import twilio from 'twilio';
import { notificationFailedSignal } from '../../src/journey/definitions';
import { SMS_STATUS_PATH } from '../../src/api/routes/webhooks';
import { parseConfig } from '../../src/config';
import { createApiHarness, PUBLIC_BASE_URL, type ApiHarness } from './support/harness';

/** The token of an install that left TWILIO_* unset (the local gateway's), as the service reads it. */
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dh-sms-'));
const authToken = parseConfig({ DATA_DIR: dataDir }).notifications.sms.authToken;
/** What every install used to share, published in the source. */
const PUBLISHED_DEMO_TOKEN = 'local-sms-gateway-token';
const RATE = 40;
let h: ApiHarness;
beforeAll(async () => {
  h = await createApiHarness({ smsStatus: { authToken, rateLimitPerMinute: RATE }, metrics: {} });
});
afterAll(async () => {
  await h?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** Posts a status callback to the API, signed with `token` for the public URL as Twilio would. */
function post(path: string, params: Record<string, string>, token = authToken) {
  const signature = twilio.getExpectedTwilioSignature(token, `${PUBLIC_BASE_URL}${path}`, params);
  return fetch(`${h.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
    body: new URLSearchParams(params).toString(),
  });
}

test('without TWILIO_* the token is random per install, kept in DATA_DIR (0600): a callback signed with the published demo token is refused', async () => {
  expect(authToken).not.toBe(PUBLISHED_DEMO_TOKEN);
  expect(authToken.length).toBeGreaterThanOrEqual(32);
  const file = path.join(dataDir, 'local-sms-token');
  expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  expect(parseConfig({ DATA_DIR: dataDir }).notifications.sms.authToken).toBe(authToken);
  const other = fs.mkdtempSync(path.join(os.tmpdir(), 'dh-sms-other-'));
  expect(parseConfig({ DATA_DIR: other }).notifications.sms.authToken).not.toBe(authToken);
  fs.rmSync(other, { recursive: true, force: true });

  const report = { MessageSid: `SM${randomBytes(16).toString('hex')}`, MessageStatus: 'undelivered', ErrorCode: '30003' };
  const forged = await post(SMS_STATUS_PATH, report, PUBLISHED_DEMO_TOKEN);
  expect(forged.status).toBe(403);
  expect((await post(SMS_STATUS_PATH, report)).status).toBe(204);
});

test('a replayed undelivered status signals the journey once; the route answers 429 with Retry-After past its rate', async () => {
  const code = await h.openJourney();
  const task = await h.db.prisma.task.findFirstOrThrow({ where: { caseCode: code } });
  const sid = `SM${randomBytes(16).toString('hex')}`;
  const id = `${task.id}:acknowledge:0:sms:dn-health-caseworker-1`;
  await h.db.prisma.notification.create({
    data: { id, taskId: task.id, recipientId: 'dn-health-caseworker-1', level: 0, channel: 'sms', status: 'sent', providerId: sid, providerStatus: 'sent', phase: 'acknowledge', sentAt: new Date() },
  });
  const path = `${SMS_STATUS_PATH}?n=${encodeURIComponent(id)}`;
  const report = { AccountSid: `AC${'1'.repeat(32)}`, MessageSid: sid, MessageStatus: 'undelivered', ErrorCode: '30003' };

  const statuses: number[] = [];
  for (let i = 0; i < 25; i++) statuses.push((await post(path, report)).status);
  expect(statuses).toEqual(Array(25).fill(204));
  expect(await h.db.prisma.notification.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: 'failed', providerStatus: 'undelivered' });
  const history = await h.journey(code).fetchHistory();
  const signals = (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === notificationFailedSignal.name);
  expect(signals).toHaveLength(1);
  // ... and counts once in the failures metric.
  const metrics = await h.call('anonymous', 'GET', '/metrics');
  expect(metrics.text).toMatch(/^donghanh_notification_failures_total\{channel="sms",reason="[a-z-]+"\} 1$/m);

  // The same address keeps posting (forged or not): past the rate it is refused before any work.
  let refused: Response | undefined;
  for (let i = 0; i < RATE && !refused; i++) {
    const res = await post(path, report, 'not-the-token');
    if (res.status === 429) refused = res;
    else expect(res.status).toBe(403);
  }
  expect(refused?.status).toBe(429);
  expect(Number(refused!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  expect(refused!.headers.get('content-type')).toContain('application/problem+json');
});
