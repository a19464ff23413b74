/**
 * Staff act on a task by replying to its SMS, end to end with real components: the reminder goes
 * out through the real `twilio` client to the local SMS gateway and says what to reply; the
 * gateway's simulated reply (its API, then its page's form) is signed as Twilio signs and posted
 * to the real API's inbound webhook; the real journey on the suite's Temporal server moves on; the
 * TwiML answer comes back to the gateway, which shows it. Last, how reply texts are read.
 */
import { until } from '../notifications/support';
import { deliverEscalation } from '../../src/notifications/delivery';
import { findFreePort } from '../../src/local/ports';
import { SMS_INBOUND_PATH } from '../../src/api/routes/sms-inbound';
import { parseReply } from '../../src/api/sms-replies';
import { loadPolicy } from '../../src/policy';
import { taskPolicyOf } from '../../src/policy/tasks';
import { createSmsSender } from '../../src/transports/sms';
import type { EscalationNotice } from '../../src/journey/notices';
import { createApiHarness, PUBLIC_BASE_URL, type ApiHarness } from '../api/support/harness';
import { mailerFor } from '../support/smtp';
import { startTestGateway } from './helpers';
import { atStage } from '../support/journey-steps';

const policy = loadPolicy('default');
let h: ApiHarness;
let env: Awaited<ReturnType<typeof startTestGateway>>;

beforeAll(async () => {
  // The gateway signs the URL it posts to, so the API must know that URL as its public one.
  const port = await findFreePort();
  const origin = `http://127.0.0.1:${port}`;
  env = await startTestGateway({ inboundWebhookUrl: `${origin}${SMS_INBOUND_PATH}` });
  h = await createApiHarness({ apiPort: port, smsStatus: { authToken: env.authToken, publicBaseUrl: origin } });
});
afterAll(async () => {
  await h?.close();
  await env?.gateway.close();
});

/** One ladder step to the task's assignee by SMS, as the journey's notification activity sends it. */
async function remind(code: string, taskKey: string, phase: 'acknowledge' | 'complete') {
  const task = (await h.state(code)).tasks.find((t) => t.key === taskKey)!;
  const notice: EscalationNotice = { caseCode: code, task, phase, level: 1, step: { after: '0s', notify: ['assignee'], channels: ['sms'], urgent: true }, at: new Date().toISOString() };
  const mailer = mailerFor(h.inbox);
  const sms = createSmsSender({ accountSid: env.accountSid, authToken: env.authToken, baseUrl: env.gateway.url, from: 'DongHanh' });
  const replyOutcomes = (key: string) => {
    const t = taskPolicyOf(policy, key);
    return t?.plans ? ('plan' as const) : Object.keys(t?.outcomes ?? {});
  };
  try {
    await deliverEscalation({ db: h.db, mailer, sms, publicBaseUrl: PUBLIC_BASE_URL, replyOutcomes }, notice);
  } finally {
    mailer.close();
  }
  const row = await h.db.prisma.task.findUniqueOrThrow({ where: { id: task.id }, include: { assignee: true } });
  const [message] = env.gateway.messages().filter((m) => m.to === row.assignee!.phone && m.body.includes(code));
  return { row, phone: row.assignee!.phone!, text: message!.body };
}

test('the task SMS says what to reply; the reply simulated by the gateway acknowledges, then completes, and the journey moves on', async () => {
  const code = await h.openJourney();

  const first = await remind(code, 'reception', 'acknowledge');
  const said = /\bOK (\d{4,6})\b/.exec(first.text)?.[1];
  expect(said).toBe(first.row.replyCode);
  expect(first.text).toMatch(/(Nhắn|Nhan) OK \d{4,6} (để xác nhận|de xac nhan)\./);

  // The gateway's API: a reply from the assignee's phone.
  const res = await fetch(`${env.gateway.url}/_control/inbound`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ from: first.phone, body: `OK ${said}` }),
  });
  expect(res.status).toBe(200);
  const exchange = (await res.json()) as { status: number; answer: string; sid: string };
  expect(exchange).toMatchObject({ status: 200, sid: expect.stringMatching(/^SM[0-9a-f]{32}$/) });
  expect(exchange.answer).toBe(`Đồng Hành: Đã ghi nhận: bạn đã nhận việc "${taskPolicyOf(policy, 'reception')!.title.vi}", hồ sơ ${code}. Xong thì nhắn XONG ${said}.`);
  await until(async () => (await h.state(code)).tasks.find((t) => t.key === 'reception')?.status === 'acknowledged', 'the acknowledgement');

  const second = await remind(code, 'reception', 'complete');
  expect(second.text).toContain(`XONG ${said}.`);

  // The gateway's page: its form posts the reply and comes back to the page, which shows the answer.
  const page = await (await fetch(`${env.gateway.url}/`)).text();
  expect(page).toContain('<form method="post" action="/_control/inbound">');
  const form = await fetch(`${env.gateway.url}/_control/inbound`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ from: second.phone, body: `xong ${said}` }).toString(),
    redirect: 'manual',
  });
  expect(form.status).toBe(303);
  expect(form.headers.get('location')).toBe('/');

  const state = await until(async () => {
    const s = await h.state(code);
    // Verification opened with reception: the journey is there once reception is done.
    return atStage(s, 'initial-verification') && s;
  }, 'the next stage');
  expect(state.tasks.find((t) => t.key === 'reception')).toMatchObject({ status: 'done' });
  const [latest] = env.gateway.inbound();
  expect(latest).toMatchObject({ from: second.phone, body: `xong ${said}`, status: 200 });
  expect(latest!.answer).toContain('đã hoàn thành');
  const after = await (await fetch(`${env.gateway.url}/`)).text();
  expect(after).toContain(`hồ sơ ${code} đã hoàn thành`);
  expect(await h.db.prisma.auditEvent.count({ where: { caseCode: code, action: { in: ['task.acknowledge', 'task.complete'] }, outcome: 'ok', actorType: 'sms-reply' } })).toBe(2);
});

test('the gateway refuses a malformed simulated reply and posts nothing', async () => {
  const before = env.gateway.inbound().length;
  const res = await fetch(`${env.gateway.url}/_control/inbound`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ from: 'not a number', body: 'OK 1234' }) });
  expect(res.status).toBe(400);
  expect(env.gateway.inbound()).toHaveLength(before);
});

test.each([
  ['OK 4821', { action: 'acknowledge', code: '4821' }],
  ['  ok   4821 ', { action: 'acknowledge', code: '4821' }],
  ['Xong 4821', { action: 'complete', code: '4821' }],
  ['XÔNG #4821.', { action: 'complete', code: '4821' }],
  ['done 482105 Needs-Support', { action: 'complete', code: '482105', word: 'needs_support' }],
  ['DONE 4821 not_victim!', { action: 'complete', code: '4821', word: 'not_victim' }],
  ['OK', null],
  ['OK 48', null],
  ['OK four', null],
  ['YES 4821', null],
  ['XONG 4821 safe thanks', null],
  ['XONG 4821 123', null],
])('the reply %j reads as %j', (text, command) => {
  expect(parseReply(text)).toEqual(command);
});
