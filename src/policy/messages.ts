/**
 * What a notification says, in Vietnamese and English. Only the case code, the task and its
 * deadline: never anything about the person.
 */
import { z } from 'zod';

export const Language = z.enum(['vi', 'en']);
export type Language = z.infer<typeof Language>;

const Template = z.object({ subject: z.string().min(1), text: z.string().min(1) });
const Templates = z.object({
  reminder: z.record(Language, Template),
  escalation: z.record(Language, Template),
  phase: z.record(z.enum(['acknowledge', 'complete']), z.record(Language, z.string())),
});

export const messageTemplates = Templates.parse({
  reminder: {
    vi: {
      subject: 'Nhắc việc — hồ sơ {caseCode}: {task}',
      text:
        'Kính gửi {recipient},\n\nNhiệm vụ "{task}" của hồ sơ {caseCode} {phase} trước {dueAt} (giờ Việt Nam).\n' +
        'Xin vui lòng xử lý tại: {link}\n\nĐồng Hành — hệ thống điều phối hỗ trợ',
    },
    en: {
      subject: 'Reminder — case {caseCode}: {task}',
      text:
        'Dear {recipient},\n\nThe task "{task}" of case {caseCode} {phase} by {dueAt} (Vietnam time).\n' +
        'Please act on it here: {link}\n\nĐồng Hành — support coordination service',
    },
  },
  escalation: {
    vi: {
      subject: 'Cảnh báo mức {level} — hồ sơ {caseCode}: {task} đang quá hạn',
      text:
        'Kính gửi {recipient},\n\nNhiệm vụ "{task}" của hồ sơ {caseCode} {phase} trước {dueAt} (giờ Việt Nam) nhưng chưa được thực hiện.\n' +
        'Mức leo thang: {level}. Đề nghị đôn đốc xử lý: {link}\n\nĐồng Hành — hệ thống điều phối hỗ trợ',
    },
    en: {
      subject: 'Escalation level {level} — case {caseCode}: {task} is overdue',
      text:
        'Dear {recipient},\n\nThe task "{task}" of case {caseCode} {phase} by {dueAt} (Vietnam time) and has not been.\n' +
        'Escalation level: {level}. Please make sure it is acted on: {link}\n\nĐồng Hành — support coordination service',
    },
  },
  phase: {
    acknowledge: { vi: 'cần được xác nhận tiếp nhận', en: 'had to be acknowledged' },
    complete: { vi: 'cần được hoàn thành', en: 'had to be completed' },
  },
});

export interface MessageFacts {
  caseCode: string;
  task: { vi: string; en: string };
  phase: 'acknowledge' | 'complete';
  level: number;
  dueAt: string;
  link: string;
  recipient: string;
}

export function renderMessage(facts: MessageFacts, language: Language) {
  const template = messageTemplates[facts.level <= 1 ? 'reminder' : 'escalation'][language]!;
  const values: Record<string, string> = {
    caseCode: facts.caseCode,
    task: facts.task[language],
    phase: messageTemplates.phase[facts.phase][language]!,
    level: String(facts.level),
    dueAt: formatLocalTime(facts.dueAt, language),
    link: facts.link,
    recipient: facts.recipient,
  };
  const fill = (s: string) => s.replace(/\{(\w+)\}/g, (_, k: string) => values[k] ?? `{${k}}`);
  return { subject: fill(template.subject), text: fill(template.text) };
}

/** Times are shown as people in Vietnam read them, whatever the server's time zone. */
export function formatLocalTime(isoTime: string, language: Language): string {
  return new Intl.DateTimeFormat(language === 'vi' ? 'vi-VN' : 'en-GB', {
    timeZone: 'Asia/Ho_Chi_Minh',
    dateStyle: 'short',
    timeStyle: 'short',
  }).format(new Date(isoTime));
}
