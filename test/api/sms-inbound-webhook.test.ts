/**
 * POST /webhooks/sms-inbound through the real API, real journeys on the suite's Temporal server and
 * the real database, signed by the real `twilio` library as Twilio signs: staff acknowledge and
 * complete tasks by replying with the task's reply code; wrong codes, unknown numbers, missing or
 * unknown outcome words and another agency's code are explained and change nothing; a replayed
 * MessageSid acts once and gets the first answer; an unsigned or mis-signed post is a 403.
 */
import { until } from '../notifications/support';
import { randomBytes } from 'node:crypto';
import twilio from 'twilio';
import { SMS_INBOUND_PATH } from '../../src/api/routes/sms-inbound';
import { UNKNOWN_SENDER } from '../../src/api/sms-replies';
import { loadPolicy } from '../../src/policy';
import { taskPolicyOf } from '../../src/policy/tasks';
import { createApiHarness, PUBLIC_BASE_URL, type ApiHarness } from './support/harness';

const authToken = randomBytes(24).toString('base64url');
let h: ApiHarness;
beforeAll(async () => {
  h = await createApiHarness({ smsStatus: { authToken } });
});
afterAll(async () => {
  await h?.close();
});

const newSid = () => `SM${randomBytes(16).toString('hex')}`;

/** Posts an inbound SMS as Twilio does: a form signed with the auth token for the public URL. */
async function inbound(from: string, body: string, o: { sid?: string; token?: string; signature?: string | null; signedUrl?: string } = {}) {
  const params = { AccountSid: `AC${'0'.repeat(32)}`, MessageSid: o.sid ?? newSid(), From: from, To: 'DongHanh', Body: body, NumMedia: '0' };
  const signature = o.signature === undefined ? twilio.getExpectedTwilioSignature(o.token ?? authToken, o.signedUrl ?? `${PUBLIC_BASE_URL}${SMS_INBOUND_PATH}`, params) : o.signature;
  const res = await fetch(`${h.baseUrl}${SMS_INBOUND_PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(signature === null ? {} : { 'x-twilio-signature': signature }) },
    body: new URLSearchParams(params).toString(),
  });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type') ?? '', text, answer: messageOf(text), sid: params.MessageSid };
}

/** The text of the TwiML answer's <Message>, unescaped. */
function messageOf(twiml: string): string | null {
  const inner = /<Message>([\s\S]*)<\/Message>/.exec(twiml)?.[1];
  if (inner === undefined) return null;
  const entities: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
  return inner.replace(/&(lt|gt|amp|quot|apos);/g, (_, e: string) => entities[e]!);
}

/** The open task of `key`, its reply code and the phone of its assignee. */
async function taskOf(code: string, key: string) {
  const task = await h.db.prisma.task.findFirstOrThrow({ where: { caseCode: code, key } });
  const assignee = await h.db.prisma.staffMember.findUniqueOrThrow({ where: { id: task.assigneeId! } });
  return { task, replyCode: task.replyCode!, phone: assignee.phone!, assignee };
}

const taskRow = (id: string) => h.db.prisma.task.findUniqueOrThrow({ where: { id } });
const okAudits = (caseCode: string, action: string) => h.db.prisma.auditEvent.count({ where: { caseCode, action, outcome: 'ok' } });

test('every task gets a reply code when it opens, unique among open tasks', async () => {
  const [a, b] = [await h.openJourney(), await h.openJourney()];
  const codes = await h.db.prisma.task.findMany({ where: { caseCode: { in: [a, b] } }, select: { replyCode: true } });
  // Three first tasks each (verification opens with reception).
  expect(codes).toHaveLength(6);
  expect(codes.every((c) => /^\d{4}$/.test(c.replyCode ?? ''))).toBe(true);
  expect(new Set(codes.map((c) => c.replyCode)).size).toBe(6);
});

test('OK <code> from the assignee’s phone acknowledges the task, as that person, audited; the answer is TwiML in their language', async () => {
  const code = await h.openJourney();
  const { task, replyCode, phone, assignee } = await taskOf(code, 'reception');

  const res = await inbound(phone, `ok ${replyCode}`);
  expect(res.status).toBe(200);
  expect(res.type).toMatch(/^text\/xml/);
  expect(res.text).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?><Response><Message>.+<\/Message><\/Response>$/);
  expect(res.answer).toBe(`Đồng Hành: Đã ghi nhận: bạn đã nhận việc "${titleOf('reception').vi}", hồ sơ ${code}. Xong thì nhắn XONG ${replyCode}.`);
  expect(res.text).not.toContain(assignee.name);
  expect(res.text).not.toContain(phone);

  await until(async () => (await taskRow(task.id)).status === 'acknowledged', 'the acknowledgement');
  const state = await h.state(code);
  expect(state.tasks.find((t) => t.id === task.id)).toMatchObject({ status: 'acknowledged' });
  const audit = await h.db.prisma.auditEvent.findFirstOrThrow({ where: { caseCode: code, action: 'task.acknowledge' } });
  expect(audit).toMatchObject({ outcome: 'ok', actorType: 'sms-reply', actorId: res.sid, actorAgencyId: assignee.agencyId });
  expect(await h.db.prisma.inboundSms.findUniqueOrThrow({ where: { id: res.sid } })).toMatchObject({ result: 'acknowledged', staffId: assignee.id, taskId: task.id, command: 'acknowledge' });
  // What a person typed is not kept.
  expect(JSON.stringify(await h.db.prisma.inboundSms.findUniqueOrThrow({ where: { id: res.sid } }))).not.toContain(phone);

  const again = await inbound(phone, `OK ${replyCode}`);
  expect(again.answer).toContain('đã được xác nhận');
});

test('DONE <code> <outcome> completes a task that needs an outcome, and the journey moves on; a missing or unknown word is explained first and changes nothing', async () => {
  const code = await h.openJourney({ stage: 'identification' });
  const { task, replyCode, phone, assignee } = await taskOf(code, 'identification-decision');
  expect(assignee.agencyId).toBe('dn-police');
  await h.db.prisma.staffMember.update({ where: { id: assignee.id }, data: { language: 'en' } });
  const title = titleOf('identification-decision').en;

  const bare = await inbound(phone, `DONE ${replyCode}`);
  expect(bare.answer).toBe(`Dong Hanh: "${title}" needs an outcome: reply DONE ${replyCode} with one of: victim, not_victim.`);
  const unknown = await inbound(phone, `done ${replyCode} nguyen`);
  expect(unknown.answer).toBe(`Dong Hanh: Not an outcome of "${title}": reply DONE ${replyCode} with one of: victim, not_victim.`);
  expect(unknown.text).not.toContain('nguyen');
  expect(await taskRow(task.id)).toMatchObject({ status: 'open', outcome: null });
  expect(await okAudits(code, 'task.complete')).toBe(0);

  const done = await inbound(phone, `Xong ${replyCode} Victim.`);
  expect(done.answer).toBe(`Dong Hanh: Recorded: "${title}", case ${code}, is done (victim). Thank you.`);
  const state = await until(async () => {
    const s = await h.state(code);
    return s.stage === 'support-plan' && s;
  }, 'the support plan stage');
  expect(state.tasks.find((t) => t.id === task.id)).toMatchObject({ status: 'done', outcome: 'victim' });
  expect(state.tasks.some((t) => t.key === 'needs-assessment' && t.status === 'open')).toBe(true);

  const late = await inbound(phone, `DONE ${replyCode} victim`);
  expect(late.answer).toBe(`Dong Hanh: "${title}", case ${code}, is already done; nothing more to do.`);
  expect(await okAudits(code, 'task.complete')).toBe(1);
});

test('a wrong code, another agency’s code and a text that is no command are explained and change nothing', async () => {
  const code = await h.openJourney();
  const { task, replyCode, phone } = await taskOf(code, 'reception');
  const used = new Set((await h.db.prisma.task.findMany({ select: { replyCode: true } })).map((t) => t.replyCode));
  const wrong = ['1000', '1001', '1002', '1003', '1004'].find((c) => !used.has(c))!;

  expect((await inbound(phone, `OK ${wrong}`)).answer).toBe(`Đồng Hành: Không có việc nào đang mở của cơ quan bạn với mã ${wrong}.`);
  expect((await inbound(phone, 'hello, who is this?')).answer).toMatch(/^Đồng Hành: Không hiểu tin nhắn\. Nhắn OK <mã>/);

  // A shelter caseworker is no party to this case: the matrix answers as for a code that does not exist.
  const shelter = await h.db.prisma.staffMember.findUniqueOrThrow({ where: { id: 'dn-shelter-caseworker-1' } });
  const other = await inbound(shelter.phone!, `OK ${replyCode}`);
  expect(other.answer).toBe(`${shelter.language === 'en' ? 'Dong Hanh: No open task of your agency has the code' : 'Đồng Hành: Không có việc nào đang mở của cơ quan bạn với mã'} ${replyCode}.`);
  expect(other.text).not.toContain(code);

  expect(await taskRow(task.id)).toMatchObject({ status: 'open' });
  expect(await okAudits(code, 'task.acknowledge')).toBe(0);
});

test('an unknown number is answered in both languages and nothing is done', async () => {
  const code = await h.openJourney();
  const { task, replyCode } = await taskOf(code, 'reception');
  const res = await inbound('+84999999999', `OK ${replyCode}`);
  expect(res.status).toBe(200);
  expect(res.answer).toBe(UNKNOWN_SENDER);
  expect(res.answer).toMatch(/^Đồng Hành: .+ \/ Dong Hanh: this number is not in the staff directory/);
  expect(await h.db.prisma.inboundSms.findUniqueOrThrow({ where: { id: res.sid } })).toMatchObject({ result: 'unknown-sender', staffId: null, taskId: null });
  expect(await taskRow(task.id)).toMatchObject({ status: 'open' });
});

test('a replayed MessageSid acts once and gets the first answer again, whatever it says', async () => {
  const code = await h.openJourney();
  const { task, replyCode, phone } = await taskOf(code, 'reception');
  const sid = newSid();
  const first = await inbound(phone, `XONG ${replyCode}`, { sid });
  expect(first.answer).toContain('đã hoàn thành');
  const replays = await Promise.all([1, 2, 3].map(() => inbound(phone, `XONG ${replyCode}`, { sid })));
  const changed = await inbound(phone, `OK ${replyCode}`, { sid });
  for (const r of [...replays, changed]) expect(r).toMatchObject({ status: 200, text: first.text });

  await until(async () => (await taskRow(task.id)).status === 'done', 'the completion');
  expect(await okAudits(code, 'task.complete')).toBe(1);
  expect(await okAudits(code, 'task.acknowledge')).toBe(0);
  expect(await h.db.prisma.inboundSms.count({ where: { id: sid } })).toBe(1);
});

test('a missing, wrong or other-URL signature is a 403 and changes nothing', async () => {
  const code = await h.openJourney();
  const { task, replyCode, phone } = await taskOf(code, 'reception');
  const attempts = [
    await inbound(phone, `OK ${replyCode}`, { signature: null }),
    await inbound(phone, `OK ${replyCode}`, { token: 'not-the-token' }),
    await inbound(phone, `OK ${replyCode}`, { signature: 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=' }),
    await inbound(phone, `OK ${replyCode}`, { signedUrl: `${h.baseUrl}${SMS_INBOUND_PATH}` }),
  ];
  for (const res of attempts) {
    expect(res.status).toBe(403);
    expect(res.type).toMatch(/^application\/problem\+json/);
    expect(await h.db.prisma.inboundSms.count({ where: { id: res.sid } })).toBe(0);
  }
  expect(await taskRow(task.id)).toMatchObject({ status: 'open' });
  expect(await okAudits(code, 'task.acknowledge')).toBe(0);
});

function titleOf(key: string) {
  return taskPolicyOf(loadPolicy('default'), key)!.title;
}
