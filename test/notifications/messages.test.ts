/**
 * Templates as data: every message in both languages, SMS within its segment budget (Vietnamese
 * diacritics force UCS-2), times in Vietnam time, NFC; quiet-hour arithmetic; Retry-After parsing.
 */
import { loadPolicy } from '../../src/policy';
import { foldToGsm, formatShortTime, renderDigest, renderMessage, renderSms, type MessageKind, type RelayFacts } from '../../src/notifications/messages';
import { quietHoursOf, quietUntil } from '../../src/notifications/quiet-hours';
import { countSmsSegments, parseRetryAfter } from '../../src/transports/twilio';

const policy = loadPolicy('default');
const tasks = [...policy.stages.flatMap((s) => s.tasks), policy.transferAcceptance];
const LINK = 'https://dong-hanh.example.gov.vn/tasks/DN-2026-0001%2Fverify-initial-information';

const facts = (title: { vi: string; en: string }, level: number): RelayFacts => ({
  caseCode: 'DN-2026-0001',
  task: title,
  phase: 'complete',
  level,
  dueAt: '2026-11-29T14:30:00Z',
  link: LINK,
  recipient: 'Nguyễn Thị Lan',
  unreachable: 'Trần Văn Minh',
  reasons: ['sms-undelivered', 'no-email'],
});

describe('SMS', () => {
  const kinds: MessageKind[] = ['reminder', 'escalation', 'relay'];
  test.each(['vi', 'en'] as const)('every task of the default policy fits in two SMS in %s, whatever the kind', (language) => {
    for (const task of tasks) {
      for (const kind of kinds) {
        const sms = renderSms(facts(task.title, kind === 'reminder' ? 1 : 3), language, 2, kind);
        expect(sms.segments).toBeLessThanOrEqual(2);
        expect(countSmsSegments(sms.body)).toEqual({ encoding: sms.encoding, segments: sms.segments });
        expect(sms.body).toContain('DN-2026-0001');
        expect(sms.body).toContain(LINK);
        expect(sms.body).toContain('21:30 29/11'); // 14:30 UTC is 21:30 in Vietnam
        expect(sms.body).not.toMatch(/\{\w+\}/);
      }
    }
  });

  test('a short Vietnamese text keeps its diacritics (UCS-2); a long one drops them to stay in budget', () => {
    const short = renderSms({ ...facts({ vi: 'Tiếp nhận', en: 'Reception' }, 1), link: 'http://h/t/1' }, 'vi', 2, 'reminder');
    expect(short).toMatchObject({ encoding: 'UCS-2', folded: false });
    expect(short.body).toContain('Đồng Hành: hồ sơ DN-2026-0001, việc "Tiếp nhận" cần hoàn thành trước 21:30 29/11.');

    const long = renderSms(facts(tasks[0]!.title, 2), 'vi', 2, 'escalation');
    expect(long).toMatchObject({ encoding: 'GSM-7', folded: true });
    expect(long.body).toContain('Dong Hanh, qua han: ho so DN-2026-0001');
    expect(renderSms(facts(tasks[0]!.title, 2), 'vi', 4, 'escalation')).toMatchObject({ encoding: 'UCS-2', folded: false });
  });

  test('a title that arrives decomposed (NFD) renders exactly like its composed form', () => {
    const nfc = { vi: 'Xác minh ban đầu', en: 'Initial verification' };
    const nfd = { vi: nfc.vi.normalize('NFD'), en: nfc.en };
    expect(nfd.vi.length).toBeGreaterThan(nfc.vi.length);
    expect(renderSms(facts(nfd, 1), 'vi', 3, 'reminder').body).toBe(renderSms(facts(nfc, 1), 'vi', 3, 'reminder').body);
    expect(renderMessage(facts(nfd, 1), 'vi', 'reminder').text).toBe(renderMessage(facts(nfc, 1), 'vi', 'reminder').text);
  });

  test('folding keeps every character in GSM-7', () => {
    expect(foldToGsm('Đà Nẵng – “Ủy ban” …')).toBe('Da Nang - "Uy ban" ...');
    expect(countSmsSegments(foldToGsm('Tiếp nhận, bảo đảm an toàn, chỗ ở, ăn uống')).encoding).toBe('GSM-7');
  });

  test('the short time is Vietnam time in 24-hour form', () => {
    expect(formatShortTime('2026-01-01T00:05:00Z')).toBe('07:05 01/01');
  });
});

describe('SMS reply instructions', () => {
  const SHORT_LINK = 'https://dong-hanh.example.gov.vn/t/AbCdEfGhIj';
  const withReply = (key: string, phase: 'acknowledge' | 'complete', code = '4821') => {
    const task = tasks.find((t) => t.key === key)!;
    return { ...facts(task.title, 1), phase, link: SHORT_LINK, reply: { code, outcomes: Object.keys(task.outcomes ?? {}) } };
  };

  test('an SMS says exactly what to reply: OK to acknowledge, XONG / DONE to complete, with the outcome words the task needs', () => {
    const vi = { ...withReply('reception', 'acknowledge'), task: { vi: 'Tiếp nhận', en: 'Reception' } };
    expect(renderSms(vi, 'vi', 3, 'reminder').body).toBe(`Đồng Hành: hồ sơ DN-2026-0001, việc "Tiếp nhận" cần xác nhận trước 21:30 29/11. Nhắn OK 4821 để xác nhận. ${SHORT_LINK}`);
    // Over two UCS-2 parts with diacritics: the same words without them, in one GSM-7 part.
    expect(renderSms(vi, 'vi', 2, 'reminder')).toMatchObject({
      body: `Dong Hanh: ho so DN-2026-0001, viec "Tiep nhan" can xac nhan truoc 21:30 29/11. Nhan OK 4821 de xac nhan. ${SHORT_LINK}`,
      segments: 1,
    });
    expect(renderSms({ ...withReply('reception', 'complete'), task: { vi: 'Tiếp nhận', en: 'Reception' } }, 'en', 2, 'reminder').body).toBe(
      `Dong Hanh: case DN-2026-0001, task "Reception" to complete by 21:30 29/11. When done, reply DONE 4821. ${SHORT_LINK}`,
    );
    expect(renderSms(withReply('follow-up-check-in', 'complete'), 'en', 2, 'reminder').body).toContain(' When done, reply DONE 4821 safe/needs_support/re_trafficked/lost_contact. ');
    expect(renderSms(withReply('identification-decision', 'complete'), 'vi', 2, 'reminder').body).toMatch(/ (Xong thì nhắn|Xong thi nhan) XONG 4821 victim\/not_victim\. /);
    // Seven closure reasons do not fit beside the link: the page lists them (and so does the answer to a bare DONE).
    expect(renderSms(withReply('case-closure', 'complete'), 'en', 2, 'reminder').body).toContain(' When done, reply DONE 4821 and the outcome (see the link). ');
    // No code, no instruction (tasks opened before reply codes, or a recipient who may not act).
    expect(renderSms({ ...withReply('reception', 'acknowledge'), reply: undefined }, 'en', 2, 'reminder').body).not.toMatch(/Reply|OK/);
  });

  test.each(['vi', 'en'] as const)('with the instruction every task of the default policy stays within the SMS budget in %s, the instruction never shortened', (language) => {
    for (const task of tasks) {
      for (const kind of ['reminder', 'escalation', 'relay'] as MessageKind[]) {
        for (const phase of ['acknowledge', 'complete'] as const) {
          const sms = renderSms({ ...withReply(task.key, phase, '482105'), level: kind === 'reminder' ? 1 : 3 }, language, 2, kind);
          expect(sms.segments).toBeLessThanOrEqual(2);
          expect(countSmsSegments(sms.body)).toEqual({ encoding: sms.encoding, segments: sms.segments });
          expect(sms.body).toMatch(phase === 'acknowledge' ? / OK 482105 / : / (XONG|DONE) 482105[ .]/);
          expect(sms.body).toContain(SHORT_LINK);
          expect(sms.body).not.toMatch(/\{\w+\}/);
        }
      }
    }
  });
});

describe('email', () => {
  test('a relay names the unreachable colleague and why, in the recipient’s language', () => {
    const vi = renderMessage(facts({ vi: 'Tiếp nhận', en: 'Reception' }, 2), 'vi');
    expect(vi.subject).toBe('Không liên lạc được người nhận — hồ sơ DN-2026-0001: Tiếp nhận');
    expect(vi.text).toContain('không liên lạc được Trần Văn Minh (SMS không đến được máy; không có địa chỉ email)');
    const en = renderMessage(facts({ vi: 'Tiếp nhận', en: 'Reception' }, 2), 'en');
    expect(en.text).toContain('could not reach Trần Văn Minh (SMS undelivered; no email address)');
    expect(en.text).toContain('29/11/2026, 21:30');
  });

  test('the digest lists stalled tasks, escalations and unreachable people, or says there are none', () => {
    const digest = renderDigest(
      {
        recipient: 'Đặng Văn Hùng',
        province: 'Đà Nẵng',
        day: '2026-11-29',
        until: '2026-11-29T00:30:00Z',
        stalled: [{ caseCode: 'DN-1', task: { vi: 'Tiếp nhận', en: 'Reception' }, phase: 'acknowledge', dueAt: '2026-11-28T10:00:00Z', level: 2, link: 'http://h/t/1' }],
        escalations: [{ caseCode: 'DN-1', task: { vi: 'Tiếp nhận', en: 'Reception' }, level: 2, count: 3 }],
        unreached: [],
      },
      'vi',
    );
    expect(digest.subject).toBe('Tổng hợp ngày 2026-11-29 — Đà Nẵng: 1 việc quá hạn, 1 lượt cảnh báo');
    expect(digest.text).toContain('- DN-1: Tiếp nhận — cần được xác nhận tiếp nhận trước 17:00 28/11/26, mức 2. http://h/t/1');
    expect(digest.text).toContain('- DN-1: Tiếp nhận — mức 2, 3 tin nhắn');
    expect(digest.text).toContain('Không liên lạc được:\n- không có');
  });
});

describe('escalations', () => {
  const due = '2026-11-29T14:30:00Z';
  const escalation = (phase: 'acknowledge' | 'complete', at: string, level = 70) => ({ ...facts({ vi: 'Tiếp nhận', en: 'Reception' }, level), phase, dueAt: due, at });

  test.each([
    ['acknowledge', '2026-12-01T15:00:00Z', 'vi', 'Quá hạn 2 ngày — hồ sơ DN-2026-0001: Tiếp nhận chưa được xác nhận tiếp nhận', 'nhưng chưa được xác nhận tiếp nhận, đã trễ 2 ngày.'],
    ['complete', '2026-11-29T19:45:00Z', 'vi', 'Quá hạn 5 giờ — hồ sơ DN-2026-0001: Tiếp nhận chưa được hoàn thành', 'nhưng chưa được hoàn thành, đã trễ 5 giờ.'],
    ['acknowledge', '2026-11-30T14:30:00Z', 'en', 'Overdue 1 day — case DN-2026-0001: Reception not acknowledged', 'and is not acknowledged: 1 day late.'],
    ['complete', '2026-11-29T15:10:00Z', 'en', 'Overdue 40 minutes — case DN-2026-0001: Reception not done', 'and is not done: 40 minutes late.'],
  ] as const)('an email says what was missed (%s) and how late, never a level', (phase, at, language, subject, line) => {
    const m = renderMessage(escalation(phase, at), language, 'escalation');
    expect(m.subject).toBe(subject);
    expect(m.text).toContain(line);
    expect(`${m.subject}\n${m.text}`).not.toMatch(/70|level|mức/i);
  });

  test('an SMS says it too, within its budget', () => {
    const vi = renderSms({ ...escalation('acknowledge', '2026-12-01T15:00:00Z'), link: 'http://h/t/1' }, 'vi', 2, 'escalation');
    expect(vi.body).toBe('Đồng Hành, quá hạn: hồ sơ DN-2026-0001, việc "Tiếp nhận" chưa xác nhận, trễ 2 ngày (hạn 21:30 29/11). http://h/t/1');
    const en = renderSms(escalation('complete', '2026-11-29T19:45:00Z'), 'en', 2, 'escalation');
    expect(en.body).toBe(`Dong Hanh overdue: case DN-2026-0001, task "Reception" not done, 5 hours late (due 21:30 29/11). ${LINK}`);
    expect(`${vi.body}${en.body}`).not.toMatch(/70|level|mức/i);
  });
});

describe('quiet hours', () => {
  const vn = { start: '21:00', end: '07:00', timeZone: 'Asia/Ho_Chi_Minh' };
  const at = (iso: string) => new Date(iso);

  test.each([
    ['2026-11-29T13:59:00Z', undefined], // 20:59 local
    ['2026-11-29T14:00:00Z', '2026-11-30T00:00:00.000Z'], // 21:00 → 07:00 next day
    ['2026-11-29T19:30:00Z', '2026-11-30T00:00:00.000Z'], // 02:30
    ['2026-11-30T00:00:00Z', undefined], // 07:00 sharp is morning
  ])('at %s the wait ends at %s', (instant, until) => {
    expect(quietUntil(at(instant), vn)?.toISOString()).toBe(until);
  });

  test('a window within one day, an empty window and no window', () => {
    expect(quietUntil(at('2026-11-29T05:00:00Z'), { ...vn, start: '12:00', end: '13:30' })?.toISOString()).toBe('2026-11-29T06:30:00.000Z');
    expect(quietUntil(at('2026-11-29T05:00:00Z'), { ...vn, start: '12:00', end: '12:00' })).toBeUndefined();
    expect(quietUntil(at('2026-11-29T15:00:00Z'), undefined)).toBeUndefined();
  });

  test('a person’s own quiet hours and time zone win over the default', () => {
    const own = quietHoursOf({ quietHoursStart: '22:30', quietHoursEnd: '06:00', timeZone: 'Europe/London' }, vn);
    expect(own).toEqual({ start: '22:30', end: '06:00', timeZone: 'Europe/London' });
    expect(quietHoursOf({ quietHoursStart: null, quietHoursEnd: null, timeZone: null }, vn)).toEqual(vn);
    expect(quietHoursOf({ quietHoursStart: null, quietHoursEnd: null, timeZone: 'Asia/Tokyo' }, vn)).toEqual({ ...vn, timeZone: 'Asia/Tokyo' });
  });
});

test('Retry-After is read as seconds or as an HTTP date', () => {
  expect(parseRetryAfter('7')).toBe(7000);
  expect(parseRetryAfter(['3'])).toBe(3000);
  expect(parseRetryAfter('Sun, 29 Nov 2026 14:30:10 GMT', Date.parse('2026-11-29T14:30:00Z'))).toBe(10_000);
  expect(parseRetryAfter(undefined)).toBeUndefined();
  expect(parseRetryAfter('soon')).toBeUndefined();
});
