/**
 * SMS reply keywords: what a staff member's text says (`OK 4821`, `XONG 4821 safe`, `DONE 4821`)
 * and what the service answers, in Vietnamese and English. Answers name the case code and the task
 * only, never anything a person typed: a reply may hold anything, so it is never echoed.
 */
import twilio from 'twilio';
import { REPLY_CODE } from '../db/reply-codes';
import { fill, foldToGsm, type Language } from '../notifications/messages';

export type ReplyCommand = { action: 'acknowledge' | 'complete'; code: string; word?: string };

const KEYWORDS: Record<string, ReplyCommand['action']> = { OK: 'acknowledge', XONG: 'complete', DONE: 'complete' };

/** The command of a reply, or null when it is not one: keyword, code, at most one outcome word. */
export function parseReply(body: string): ReplyCommand | null {
  // Phones add diacritics, capitals and punctuation of their own ("Xong 4821 Safe.").
  const words = foldToGsm(body.normalize('NFC')).trim().replace(/[.!]+$/, '').split(/\s+/);
  if (words.length < 2 || words.length > 3) return null;
  const action = KEYWORDS[words[0]!.toUpperCase()];
  const code = words[1]!.replace(/^#/, '');
  if (!action || !REPLY_CODE.test(code)) return null;
  if (words.length === 2) return { action, code };
  const word = words[2]!.toLowerCase().replace(/-/g, '_');
  return /^[a-z_]{1,40}$/.test(word) ? { action, code, word } : null;
}

/** What came of a reply: stored with the inbound message, and the key of its answer. */
export type ReplyResult =
  | 'acknowledged'
  | 'completed'
  | 'unknown-sender'
  | 'not-understood'
  | 'unknown-code'
  | 'already-done'
  | 'already-acknowledged'
  | 'outcome-needed'
  | 'unknown-outcome'
  | 'needs-plan'
  | 'not-allowed'
  | 'moved-on'
  | 'refused';

type Answers = Record<Exclude<ReplyResult, 'unknown-sender'>, Record<Language, string>>;

/** Answers as data; `{task}`, `{caseCode}`, `{code}`, `{outcome}` and `{outcomes}` are filled in. */
export const replyAnswers: Answers = {
  acknowledged: { vi: 'Đã ghi nhận: bạn đã nhận việc "{task}", hồ sơ {caseCode}. Xong thì nhắn XONG {code}.', en: 'Recorded: you acknowledged "{task}", case {caseCode}. When done, reply DONE {code}.' },
  completed: { vi: 'Đã ghi nhận: việc "{task}", hồ sơ {caseCode} đã hoàn thành{outcome}. Cảm ơn.', en: 'Recorded: "{task}", case {caseCode}, is done{outcome}. Thank you.' },
  'not-understood': {
    vi: 'Không hiểu tin nhắn. Nhắn OK <mã> để xác nhận, XONG <mã> khi xong; mã có trong tin nhắn nhiệm vụ.',
    en: "Not understood. Reply OK <code> to acknowledge, DONE <code> when done; the code is in the task's SMS.",
  },
  'unknown-code': { vi: 'Không có việc nào đang mở của cơ quan bạn với mã {code}.', en: 'No open task of your agency has the code {code}.' },
  'already-done': { vi: 'Việc "{task}", hồ sơ {caseCode} đã hoàn thành; không cần làm gì thêm.', en: '"{task}", case {caseCode}, is already done; nothing more to do.' },
  'already-acknowledged': { vi: 'Việc "{task}", hồ sơ {caseCode} đã được xác nhận. Xong thì nhắn XONG {code}.', en: '"{task}", case {caseCode}, is already acknowledged. When done, reply DONE {code}.' },
  'outcome-needed': { vi: 'Việc "{task}" cần kết quả: nhắn XONG {code} và một trong: {outcomes}.', en: '"{task}" needs an outcome: reply DONE {code} with one of: {outcomes}.' },
  'unknown-outcome': { vi: 'Kết quả không hợp lệ cho việc "{task}": nhắn XONG {code} và một trong: {outcomes}.', en: 'Not an outcome of "{task}": reply DONE {code} with one of: {outcomes}.' },
  'needs-plan': { vi: 'Việc "{task}" cần kế hoạch hỗ trợ: hãy hoàn thành qua liên kết trong tin nhắn hoặc hộp việc.', en: '"{task}" needs a support plan: complete it through the link in the message or the inbox.' },
  'not-allowed': { vi: 'Bạn không thể xử lý việc "{task}" (việc của cơ quan khác hoặc đã chuyển).', en: 'You cannot act on "{task}" (another agency\'s task, or it moved).' },
  'moved-on': { vi: 'Việc "{task}", hồ sơ {caseCode} không còn mở (hồ sơ đã đóng hoặc đang chuyển).', en: '"{task}", case {caseCode}, is no longer open (case closed or being transferred).' },
  refused: { vi: 'Không thực hiện được việc "{task}" bằng tin nhắn; hãy dùng liên kết trong tin nhắn nhiệm vụ.', en: 'Could not act on "{task}" by SMS; please use the link in the task\'s message.' },
};

/** The number is not a staff member's: we do not know their language. */
export const UNKNOWN_SENDER =
  'Đồng Hành: số điện thoại này không có trong danh bạ cán bộ; tin nhắn không được xử lý. / Dong Hanh: this number is not in the staff directory; the message was not acted on.';

const PREFIX: Record<Language, string> = { vi: 'Đồng Hành: ', en: 'Dong Hanh: ' };

export interface AnswerFacts {
  task?: string;
  caseCode?: string;
  code?: string;
  outcome?: string;
  outcomes?: readonly string[];
}

export function answerText(result: ReplyResult, language: Language, f: AnswerFacts = {}): string {
  if (result === 'unknown-sender') return UNKNOWN_SENDER;
  const values = {
    task: f.task ?? '',
    caseCode: f.caseCode ?? '',
    code: f.code ?? '',
    outcome: f.outcome ? ` (${f.outcome})` : '',
    outcomes: (f.outcomes ?? []).join(', '),
  };
  return PREFIX[language] + fill(replyAnswers[result][language], values);
}

/** The TwiML that makes the provider send `text` back to the sender; none for an empty text. */
export function twimlAnswer(text: string | null): string {
  const response = new twilio.twiml.MessagingResponse();
  if (text) response.message(text);
  return response.toString();
}
