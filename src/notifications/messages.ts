/**
 * What a notification says, in Vietnamese and English: templates are data, rendering is a fill
 * plus, for SMS, a segment budget. Only the case code, the task, its deadline and a link: never
 * anything about the person. Times are shown in Vietnam time (Asia/Ho_Chi_Minh).
 */
import { z } from 'zod';
import { FailureReason } from '../transports/failure-reasons';
import { countSmsSegments, type SmsSegments } from '../transports/twilio';

export const Language = z.enum(['vi', 'en']);
export type Language = z.infer<typeof Language>;

const Template = z.object({ subject: z.string().min(1), text: z.string().min(1) });
const PerLanguage = <T extends z.ZodType>(t: T) => z.object({ vi: t, en: t });
const Templates = z.object({
  reminder: PerLanguage(Template),
  escalation: PerLanguage(Template),
  /** To the next person on the ladder when a recipient could not be reached on any channel. */
  relay: PerLanguage(Template),
  /** To the coordinator, at once: no facility has a free place for a placement task. */
  noFreePlace: PerLanguage(Template),
  /** To the manager, at once: a closure waits for their approval (policy `closureApproval`). */
  closureApproval: PerLanguage(Template),
  phase: z.record(z.enum(['acknowledge', 'complete']), PerLanguage(z.string())),
  /** What an escalation says was missed: not acknowledged, or not done. */
  missed: z.record(z.enum(['acknowledge', 'complete']), PerLanguage(z.string())),
  /** How late, in the largest whole unit: "2 days", "5 hours", "40 minutes". */
  late: z.record(z.enum(['day', 'days', 'hour', 'hours', 'minute', 'minutes']), PerLanguage(z.string())),
  /** SMS: one line, short phase wording, short time. */
  sms: z.object({
    reminder: PerLanguage(z.string()),
    escalation: PerLanguage(z.string()),
    relay: PerLanguage(z.string()),
    noFreePlace: PerLanguage(z.string()),
    closureApproval: PerLanguage(z.string()),
    phase: z.record(z.enum(['acknowledge', 'complete']), PerLanguage(z.string())),
    missed: z.record(z.enum(['acknowledge', 'complete']), PerLanguage(z.string())),
    /**
     * `{reply}`: exactly what to answer to act on the task (src/api/sms-replies.ts reads it):
     * acknowledge, complete, or complete with one of the task's outcome words (`{outcomes}`).
     */
    reply: z.object({
      acknowledge: PerLanguage(z.string()),
      complete: PerLanguage(z.string()),
      completeWithOutcome: PerLanguage(z.string()),
      /** More outcomes than an SMS has room for: the link's page (and the answer to a bare DONE) lists them. */
      completeWithManyOutcomes: PerLanguage(z.string()),
    }),
  }),
  /** Every failure reason has its wording. */
  reasons: z.record(FailureReason, PerLanguage(z.string())),
  /** Email only (an SMS has no room for a signed link): acknowledge with one click. */
  actionLine: PerLanguage(z.string()),
  /** Email only: to a deputy (or supervisor) who receives the message in place of someone away. */
  coverLine: PerLanguage(z.string()),
  digest: z.object({
    subject: PerLanguage(z.string()),
    text: PerLanguage(z.string()),
    stalledLine: PerLanguage(z.string()),
    escalationLine: PerLanguage(z.string()),
    unreachedLine: PerLanguage(z.string()),
    none: PerLanguage(z.string()),
  }),
});

const SIGNATURE = { vi: 'Đồng Hành — hệ thống điều phối hỗ trợ', en: 'Đồng Hành — support coordination service' };

export const messageTemplates = Templates.parse({
  reminder: {
    vi: {
      subject: 'Nhắc việc — hồ sơ {caseCode}: {task}',
      text:
        'Kính gửi {recipient},\n\nNhiệm vụ "{task}" của hồ sơ {caseCode} {phase} trước {dueAt} (giờ Việt Nam).\n' +
        `Xin vui lòng xử lý tại: {link}{actionLine}{coverLine}\n\n${SIGNATURE.vi}`,
    },
    en: {
      subject: 'Reminder — case {caseCode}: {task}',
      text:
        'Dear {recipient},\n\nThe task "{task}" of case {caseCode} {phase} by {dueAt} (Vietnam time).\n' +
        `Please act on it here: {link}{actionLine}{coverLine}\n\n${SIGNATURE.en}`,
    },
  },
  escalation: {
    vi: {
      subject: 'Quá hạn {late} — hồ sơ {caseCode}: {task} {missed}',
      text:
        'Kính gửi {recipient},\n\nNhiệm vụ "{task}" của hồ sơ {caseCode} {phase} trước {dueAt} (giờ Việt Nam) nhưng {missed}, đã trễ {late}.\n' +
        `Đề nghị đôn đốc xử lý: {link}{actionLine}{coverLine}\n\n${SIGNATURE.vi}`,
    },
    en: {
      subject: 'Overdue {late} — case {caseCode}: {task} {missed}',
      text:
        'Dear {recipient},\n\nThe task "{task}" of case {caseCode} {phase} by {dueAt} (Vietnam time) and is {missed}: {late} late.\n' +
        `Please make sure it is acted on: {link}{actionLine}{coverLine}\n\n${SIGNATURE.en}`,
    },
  },
  relay: {
    vi: {
      subject: 'Không liên lạc được người nhận — hồ sơ {caseCode}: {task}',
      text:
        'Kính gửi {recipient},\n\nHệ thống không liên lạc được {unreachable} ({reasons}) về nhiệm vụ "{task}" của hồ sơ {caseCode}, ' +
        'nhiệm vụ này {phase} trước {dueAt} (giờ Việt Nam).\n' +
        `Đề nghị anh/chị đôn đốc hoặc xử lý: {link}{actionLine}{coverLine}\n\n${SIGNATURE.vi}`,
    },
    en: {
      subject: 'Recipient unreachable — case {caseCode}: {task}',
      text:
        'Dear {recipient},\n\nWe could not reach {unreachable} ({reasons}) about the task "{task}" of case {caseCode}, ' +
        'which {phase} by {dueAt} (Vietnam time).\n' +
        `Please follow it up or act on it: {link}{actionLine}{coverLine}\n\n${SIGNATURE.en}`,
    },
  },
  noFreePlace: {
    vi: {
      subject: 'Hết chỗ ở — hồ sơ {caseCode}: {task}',
      text:
        'Kính gửi {recipient},\n\nCác cơ sở trợ giúp xã hội của tỉnh và các cơ sở cấp quốc gia không còn chỗ trống cho nhiệm vụ "{task}" của hồ sơ {caseCode}.\n' +
        `Đề nghị anh/chị chọn cơ sở tiếp nhận: {link}{actionLine}{coverLine}\n\n${SIGNATURE.vi}`,
    },
    en: {
      subject: 'No free place — case {caseCode}: {task}',
      text:
        'Dear {recipient},\n\nNo support facility of the province, and no national one, has a free place for the task "{task}" of case {caseCode}.\n' +
        `Please choose a facility: {link}{actionLine}{coverLine}\n\n${SIGNATURE.en}`,
    },
  },
  closureApproval: {
    vi: {
      subject: 'Đề nghị phê duyệt kết thúc — hồ sơ {caseCode}',
      text:
        'Kính gửi {recipient},\n\nHồ sơ {caseCode} được đề nghị kết thúc và cần anh/chị phê duyệt hoặc từ chối ("{task}") trước {dueAt} (giờ Việt Nam). ' +
        `Người đề nghị không thể tự phê duyệt.\nXem hồ sơ: {link}{coverLine}\n\n${SIGNATURE.vi}`,
    },
    en: {
      subject: 'Closure to approve — case {caseCode}',
      text:
        'Dear {recipient},\n\nThe closure of case {caseCode} was requested and needs your approval or rejection ("{task}") by {dueAt} (Vietnam time). ' +
        `The person who asked cannot approve it.\nSee the case: {link}{coverLine}\n\n${SIGNATURE.en}`,
    },
  },
  phase: {
    acknowledge: { vi: 'cần được xác nhận tiếp nhận', en: 'had to be acknowledged' },
    complete: { vi: 'cần được hoàn thành', en: 'had to be completed' },
  },
  missed: {
    acknowledge: { vi: 'chưa được xác nhận tiếp nhận', en: 'not acknowledged' },
    complete: { vi: 'chưa được hoàn thành', en: 'not done' },
  },
  late: {
    day: { vi: '{n} ngày', en: '{n} day' },
    days: { vi: '{n} ngày', en: '{n} days' },
    hour: { vi: '{n} giờ', en: '{n} hour' },
    hours: { vi: '{n} giờ', en: '{n} hours' },
    minute: { vi: '{n} phút', en: '{n} minute' },
    minutes: { vi: '{n} phút', en: '{n} minutes' },
  },
  sms: {
    reminder: {
      vi: 'Đồng Hành: hồ sơ {caseCode}, việc "{task}" {phase} trước {dueAt}.{reply} {link}',
      en: 'Dong Hanh: case {caseCode}, task "{task}" {phase} by {dueAt}.{reply} {link}',
    },
    escalation: {
      vi: 'Đồng Hành, quá hạn: hồ sơ {caseCode}, việc "{task}" {missed}, trễ {late} (hạn {dueAt}).{reply} {link}',
      en: 'Dong Hanh overdue: case {caseCode}, task "{task}" {missed}, {late} late (due {dueAt}).{reply} {link}',
    },
    relay: {
      vi: 'Đồng Hành: không liên lạc được {unreachable} ({reasons}) về hồ sơ {caseCode}, việc "{task}" {phase} trước {dueAt}.{reply} {link}',
      en: 'Dong Hanh: could not reach {unreachable} ({reasons}) about case {caseCode}, task "{task}" {phase} by {dueAt}.{reply} {link}',
    },
    noFreePlace: {
      vi: 'Đồng Hành, khẩn: hồ sơ {caseCode}, việc "{task}": các cơ sở đều hết chỗ. Đề nghị chọn cơ sở tiếp nhận. {link}',
      en: 'Dong Hanh urgent: case {caseCode}, task "{task}": no facility has a free place. Please choose one. {link}',
    },
    closureApproval: {
      vi: 'Đồng Hành: hồ sơ {caseCode} được đề nghị kết thúc, cần anh/chị phê duyệt trước {dueAt}. {link}',
      en: 'Dong Hanh: closing case {caseCode} needs your approval by {dueAt}. {link}',
    },
    phase: {
      acknowledge: { vi: 'cần xác nhận', en: 'to acknowledge' },
      complete: { vi: 'cần hoàn thành', en: 'to complete' },
    },
    missed: {
      acknowledge: { vi: 'chưa xác nhận', en: 'not acknowledged' },
      complete: { vi: 'chưa hoàn thành', en: 'not done' },
    },
    reply: {
      acknowledge: { vi: ' Nhắn OK {code} để xác nhận.', en: ' Reply OK {code} to acknowledge.' },
      complete: { vi: ' Xong thì nhắn XONG {code}.', en: ' When done, reply DONE {code}.' },
      completeWithOutcome: { vi: ' Xong thì nhắn XONG {code} {outcomes}.', en: ' When done, reply DONE {code} {outcomes}.' },
      completeWithManyOutcomes: { vi: ' Xong thì nhắn XONG {code} kèm kết quả (xem liên kết).', en: ' When done, reply DONE {code} and the outcome (see the link).' },
    },
  },
  reasons: {
    'no-email': { vi: 'không có địa chỉ email', en: 'no email address' },
    'no-phone': { vi: 'không có số điện thoại', en: 'no phone number' },
    'sms-not-configured': { vi: 'chưa cấu hình SMS', en: 'SMS not configured' },
    'email-rejected': { vi: 'email bị từ chối', en: 'email rejected' },
    'email-unavailable': { vi: 'máy chủ email không phản hồi', en: 'email server unavailable' },
    'sms-invalid-number': { vi: 'số điện thoại không hợp lệ', en: 'invalid phone number' },
    'sms-unsubscribed': { vi: 'số đã từ chối nhận SMS', en: 'number opted out of SMS' },
    'sms-undelivered': { vi: 'SMS không đến được máy', en: 'SMS undelivered' },
    'sms-failed': { vi: 'SMS gửi thất bại', en: 'SMS failed' },
    'sms-refused': { vi: 'nhà cung cấp từ chối SMS', en: 'SMS refused by the provider' },
    'sms-unavailable': { vi: 'dịch vụ SMS không phản hồi', en: 'SMS service unavailable' },
  },
  actionLine: {
    vi: '\nXác nhận đã tiếp nhận bằng một lần bấm: {actionLink}',
    en: '\nAcknowledge it with one click: {actionLink}',
  },
  coverLine: {
    vi: '\nAnh/chị nhận thư này thay cho {absent} (đang vắng mặt).',
    en: '\nYou receive this in place of {absent}, who is away.',
  },
  digest: {
    subject: {
      vi: 'Tổng hợp ngày {day} — {province}: {stalled} việc quá hạn, {escalations} lượt cảnh báo',
      en: 'Daily digest {day} — {province}: {stalled} overdue tasks, {escalations} escalations',
    },
    text: {
      vi:
        'Kính gửi {recipient},\n\nTình hình 24 giờ qua (đến {until}, giờ Việt Nam) tại {province}.\n\n' +
        'Việc quá hạn ({stalled}):\n{stalledLines}\n\nCảnh báo đã gửi ({escalations}):\n{escalationLines}\n\n' +
        `Không liên lạc được:\n{unreachedLines}\n\n${SIGNATURE.vi}`,
      en:
        'Dear {recipient},\n\nThe last 24 hours (to {until}, Vietnam time) in {province}.\n\n' +
        'Overdue tasks ({stalled}):\n{stalledLines}\n\nEscalations sent ({escalations}):\n{escalationLines}\n\n' +
        `Could not be reached:\n{unreachedLines}\n\n${SIGNATURE.en}`,
    },
    stalledLine: {
      vi: '- {caseCode}: {task} — {phase} trước {dueAt}, mức {level}. {link}',
      en: '- {caseCode}: {task} — {phase} by {dueAt}, level {level}. {link}',
    },
    escalationLine: {
      vi: '- {caseCode}: {task} — mức {level}, {count} tin nhắn',
      en: '- {caseCode}: {task} — level {level}, {count} messages',
    },
    unreachedLine: {
      vi: '- {unreachable} ({reasons}) — {caseCode}: {task}',
      en: '- {unreachable} ({reasons}) — {caseCode}: {task}',
    },
    none: { vi: '- không có', en: '- none' },
  },
});

export type { FailureReason } from '../transports/failure-reasons';

export interface MessageFacts {
  caseCode: string;
  task: { vi: string; en: string };
  phase: 'acknowledge' | 'complete';
  level: number;
  dueAt: string;
  link: string;
  recipient: string;
  /** When the step fired: how late the task is is counted to it. Default: now. */
  at?: string;
  /** Email only: a signed one-click acknowledge link for this recipient (src/auth/action-links.ts). */
  actionLink?: string;
  /** The staff member away whom this recipient covers for (a staff name, never the victim's). */
  coveringFor?: string;
  /** SMS only: the recipient may act by replying with the task's reply code (and an outcome word). */
  reply?: ReplyFacts;
}

export interface ReplyFacts {
  code: string;
  /** The outcome words completing the task needs (the policy's outcome keys); none: a plain DONE. */
  outcomes?: readonly string[];
}

/** Follow-up's four outcomes fit beside the link (check-ins are answered by SMS in the commune); a closure's seven reasons do not. */
const MAX_LISTED_OUTCOMES = 4;

/** " Reply OK 4821 to acknowledge.": what the recipient answers to act in this phase. */
export function replyLine(reply: ReplyFacts | undefined, phase: 'acknowledge' | 'complete', language: Language): string {
  if (!reply) return '';
  const t = messageTemplates.sms.reply;
  const count = reply.outcomes?.length ?? 0;
  const template = phase === 'acknowledge' ? t.acknowledge : count > MAX_LISTED_OUTCOMES ? t.completeWithManyOutcomes : count > 0 ? t.completeWithOutcome : t.complete;
  return fill(template[language], { code: reply.code, outcomes: (reply.outcomes ?? []).join('/') });
}

/** A relay names the person who could not be reached (a staff member, never the victim) and why. */
export interface RelayFacts extends MessageFacts {
  unreachable: string;
  reasons: string[];
}

export type MessageKind = 'reminder' | 'escalation' | 'relay' | 'noFreePlace' | 'closureApproval';
export const messageKind = (level: number, relay: boolean): MessageKind => (relay ? 'relay' : level <= 1 ? 'reminder' : 'escalation');

export function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, k: string) => values[k] ?? `{${k}}`).normalize('NFC');
}

function values(facts: MessageFacts | RelayFacts, language: Language, sms: boolean): Record<string, string> {
  const phases = sms ? messageTemplates.sms.phase : messageTemplates.phase;
  return {
    caseCode: facts.caseCode,
    task: facts.task[language],
    phase: phases[facts.phase]![language],
    missed: (sms ? messageTemplates.sms.missed : messageTemplates.missed)[facts.phase]![language],
    late: lateness(facts.dueAt, facts.at, language),
    level: String(facts.level),
    dueAt: sms ? formatShortTime(facts.dueAt) : formatLocalTime(facts.dueAt, language),
    link: facts.link,
    recipient: facts.recipient,
    actionLine: !sms && facts.actionLink ? fill(messageTemplates.actionLine[language], { actionLink: facts.actionLink }) : '',
    reply: sms ? replyLine(facts.reply, facts.phase, language) : '',
    coverLine: !sms && facts.coveringFor ? fill(messageTemplates.coverLine[language], { absent: facts.coveringFor }) : '',
    ...('unreachable' in facts ? { unreachable: facts.unreachable, reasons: reasonText(facts.reasons, language) } : {}),
  };
}

const MINUTE_MS = 60_000;

/** "2 days", "5 hours", "40 minutes" (whole units, rounded down) from the deadline to `at`. */
export function lateness(dueAt: string, at: string | undefined, language: Language): string {
  const minutes = Math.max(0, Math.floor(((at ? Date.parse(at) : Date.now()) - Date.parse(dueAt)) / MINUTE_MS));
  const [n, unit] = minutes >= 1440 ? [Math.floor(minutes / 1440), 'day'] : minutes >= 60 ? [Math.floor(minutes / 60), 'hour'] : [minutes, 'minute'];
  const key = (n === 1 ? unit : `${unit}s`) as keyof typeof messageTemplates.late;
  return fill(messageTemplates.late[key]![language], { n: String(n) });
}

/** An email's subject and plain text (the HTML part is made from the text). */
export function renderMessage(facts: MessageFacts | RelayFacts, language: Language, kind: MessageKind = messageKind(facts.level, 'unreachable' in facts)) {
  const template = messageTemplates[kind][language];
  const v = values(facts, language, false);
  return { subject: fill(template.subject, v), text: fill(template.text, v) };
}

export interface RenderedSms extends SmsSegments {
  body: string;
  /** Diacritics were removed (GSM-7) to stay within the segment budget. */
  folded: boolean;
}

/**
 * One SMS in as few segments as reasonable: Vietnamese with its diacritics when that fits in
 * `maxSegments` (diacritics force UCS-2, 70 characters per SMS), else the same text without
 * them (GSM-7, 160 per SMS), as Vietnamese texts often are; a task title that still does not
 * fit is shortened. Always NFC, so a decomposed title cannot double the length.
 */
export function renderSms(facts: MessageFacts | RelayFacts, language: Language, maxSegments = 2, kind: MessageKind = messageKind(facts.level, 'unreachable' in facts)): RenderedSms {
  const template = messageTemplates.sms[kind][language];
  const v = values(facts, language, true);
  const full = fill(template, v);
  const fullCount = countSmsSegments(full);
  if (fullCount.segments <= maxSegments) return { body: full, ...fullCount, folded: false };

  const title = foldToGsm(v.task!);
  for (let keep = title.length; ; keep -= 4) {
    const task = keep >= title.length ? title : `${title.slice(0, keep).trimEnd()}...`;
    const body = foldToGsm(fill(template, { ...v, task }));
    const count = countSmsSegments(body);
    if (count.segments <= maxSegments || keep <= 8) return { body, ...count, folded: true };
  }
}

const GSM_REPLACEMENTS: Record<string, string> = { '–': '-', '—': '-', '“': '"', '”': '"', '‘': "'", '’': "'", '…': '...', đ: 'd', Đ: 'D' };

/** Vietnamese without tone marks and with ASCII punctuation: every character in GSM-7. */
export function foldToGsm(text: string): string {
  const replaced = text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[–—“”‘’…đĐ]/g, (c) => GSM_REPLACEMENTS[c] ?? c)
    .normalize('NFC');
  return Array.from(replaced)
    .map((c) => (countSmsSegments(c).encoding === 'GSM-7' ? c : '?'))
    .join('');
}

export function reasonText(reasons: string[], language: Language): string {
  const texts = reasons.map((r) => messageTemplates.reasons[r as FailureReason]?.[language] ?? r);
  return [...new Set(texts)].join('; ');
}

/** Times are shown as people in Vietnam read them, whatever the server's time zone. */
export function formatLocalTime(isoTime: string, language: Language): string {
  return new Intl.DateTimeFormat(language === 'vi' ? 'vi-VN' : 'en-GB', {
    timeZone: 'Asia/Ho_Chi_Minh',
    dateStyle: 'short',
    timeStyle: 'short',
  }).format(new Date(isoTime));
}

/** "21:30 29/11": the shortest unambiguous deadline for an SMS, in Vietnam time, either language. */
export function formatShortTime(isoTime: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Ho_Chi_Minh', hour: '2-digit', minute: '2-digit', day: '2-digit', month: '2-digit', hourCycle: 'h23' })
      .formatToParts(new Date(isoTime))
      .map((p) => [p.type, p.value]),
  );
  return `${parts.hour}:${parts.minute} ${parts.day}/${parts.month}`;
}

export interface DigestFacts {
  recipient: string;
  province: string;
  day: string;
  until: string;
  stalled: { caseCode: string; task: { vi: string; en: string }; phase: 'acknowledge' | 'complete'; dueAt: string; level: number; link: string }[];
  escalations: { caseCode: string; task: { vi: string; en: string }; level: number; count: number }[];
  unreached: { caseCode: string; task: { vi: string; en: string }; unreachable: string; reasons: string[] }[];
}

/** One email per manager per day: every stalled task and escalation of the province in it. */
export function renderDigest(facts: DigestFacts, language: Language) {
  const t = messageTemplates.digest;
  const lines = (items: string[]) => (items.length ? items.join('\n') : t.none[language]);
  const v = {
    recipient: facts.recipient,
    province: facts.province,
    day: facts.day,
    until: formatLocalTime(facts.until, language),
    stalled: String(facts.stalled.length),
    escalations: String(facts.escalations.length),
    stalledLines: lines(
      facts.stalled.map((s) =>
        fill(t.stalledLine[language], {
          caseCode: s.caseCode,
          task: s.task[language],
          phase: messageTemplates.phase[s.phase]![language],
          dueAt: formatLocalTime(s.dueAt, language),
          level: String(s.level),
          link: s.link,
        }),
      ),
    ),
    escalationLines: lines(
      facts.escalations.map((e) => fill(t.escalationLine[language], { caseCode: e.caseCode, task: e.task[language], level: String(e.level), count: String(e.count) })),
    ),
    unreachedLines: lines(
      facts.unreached.map((u) =>
        fill(t.unreachedLine[language], { caseCode: u.caseCode, task: u.task[language], unreachable: u.unreachable, reasons: reasonText(u.reasons, language) }),
      ),
    ),
  };
  return { subject: fill(t.subject[language], v), text: fill(t.text[language], v) };
}
