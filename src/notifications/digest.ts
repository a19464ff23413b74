/**
 * The daily digest: one email per province manager with the province's overdue tasks, the
 * escalations of the last 24 hours and the people who could not be reached. Keyed per
 * province, local day and manager, so a rerun of the same day sends nothing twice.
 */
import { overdueTaskWhere } from '../db/task-rules';
import type { Database } from '../db/client';
import { PROVINCES } from '../domain/provinces';
import { Language, renderDigest, type DigestFacts, type FailureReason } from './messages';
import { classifyEmailError, type Mailer } from '../transports/email';
import { messageIdFor } from './delivery';
import { textToHtml } from './html';

export interface DigestDeps {
  db: Database;
  mailer: Mailer;
  publicBaseUrl: string;
  mailFrom?: string;
  /** Task titles by task key (from the policy); the key itself when unknown. */
  taskTitle(key: string): { vi: string; en: string };
}

export interface DigestReport {
  day: string;
  sent: number;
  alreadySent: number;
  /** Managers whose mailbox refused the digest for good (5xx): the others still get theirs. */
  refused: { recipientId: string; reason: string }[];
  provinces: { province: string; stalled: number; escalations: number; recipients: number }[];
}

const DAY_MS = 86_400_000;

/** The calendar day of `at` in Vietnam, YYYY-MM-DD. */
export function localDay(at: Date, timeZone = 'Asia/Ho_Chi_Minh'): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

export async function sendDailyDigests(deps: DigestDeps, { until }: { until: string }): Promise<DigestReport> {
  const { prisma } = deps.db;
  const end = new Date(until);
  const start = new Date(end.getTime() - DAY_MS);
  const day = localDay(end);
  const report: DigestReport = { day, sent: 0, alreadySent: 0, refused: [], provinces: [] };

  const managers = await prisma.staffMember.findMany({ where: { role: 'manager', active: true }, include: { agency: true }, orderBy: { id: 'asc' } });
  const provinces = [...new Set(managers.map((m) => m.agency.province))].sort();
  for (const province of provinces) {
    const facts = await provinceFacts(deps, province, start, end);
    const recipients = managers.filter((m) => m.agency.province === province && m.email);
    report.provinces.push({ province, stalled: facts.stalled.length, escalations: facts.escalations.length, recipients: recipients.length });
    for (const manager of recipients) {
      const id = `digest:${province}:${day}:${manager.id}`;
      const row = await prisma.digestDelivery.findUnique({ where: { id } });
      if (row?.status === 'sent') {
        report.alreadySent++;
        continue;
      }
      const language = Language.catch('vi').parse(manager.language);
      const message = renderDigest({ ...facts, recipient: manager.name, day, until }, language);
      await prisma.digestDelivery.upsert({
        where: { id },
        create: { id, province, day, recipientId: manager.id, status: 'sending' },
        update: { status: 'sending' },
      });
      try {
        // Same key, same Message-ID: a resend after a crash is recognisably the same email.
        const { messageId } = await deps.mailer.send({ to: manager.email!, subject: message.subject, text: message.text, html: textToHtml(message.text), messageId: messageIdFor(id, deps.mailFrom) });
        await prisma.digestDelivery.update({ where: { id }, data: { status: 'sent', providerId: messageId, sentAt: new Date() } });
        report.sent++;
      } catch (error) {
        // A transient failure retries the activity (what was sent stays sent); a refused mailbox
        // must not hold back the other managers' digests, today or on later days.
        const failure = classifyEmailError(error);
        if (failure.kind !== 'rejected') throw error;
        await prisma.digestDelivery.update({ where: { id }, data: { status: 'failed', error: failure.message } });
        report.refused.push({ recipientId: manager.id, reason: failure.message });
      }
    }
  }
  return report;
}

async function provinceFacts(deps: DigestDeps, province: string, start: Date, end: Date): Promise<Omit<DigestFacts, 'recipient' | 'day' | 'until'>> {
  const { prisma } = deps.db;
  const link = (taskId: string) => `${deps.publicBaseUrl}/tasks/${encodeURIComponent(taskId)}`;
  const tasks = await prisma.task.findMany({
    where: {
      case: { province, status: 'active' },
      ...overdueTaskWhere(end),
    },
    orderBy: [{ caseCode: 'asc' }, { id: 'asc' }],
  });
  const stalled = tasks.map((t) => {
    const phase = t.status === 'open' ? ('acknowledge' as const) : ('complete' as const);
    return {
      caseCode: t.caseCode,
      task: deps.taskTitle(t.key),
      phase,
      dueAt: (phase === 'acknowledge' ? t.acknowledgeDueAt : t.completeDueAt).toISOString(),
      level: t.escalationLevel,
      link: link(t.id),
    };
  });

  const rows = await prisma.notification.findMany({
    where: { createdAt: { gte: start, lt: end }, task: { case: { province } } },
    include: { task: true, recipient: true },
    orderBy: [{ taskId: 'asc' }, { level: 'asc' }, { id: 'asc' }],
  });
  const steps = new Map<string, { caseCode: string; task: { vi: string; en: string }; level: number; count: number }>();
  const people = new Map<string, { caseCode: string; task: { vi: string; en: string }; unreachable: string; reasons: string[]; reached: boolean }>();
  for (const row of rows) {
    const stepKey = `${row.taskId}:${row.phase}:${row.level}`;
    const step = steps.get(stepKey) ?? { caseCode: row.task.caseCode, task: deps.taskTitle(row.task.key), level: row.level, count: 0 };
    if (row.status === 'sent' || row.status === 'delivered') step.count++;
    steps.set(stepKey, step);
    if (row.purpose !== 'escalation') continue;
    const personKey = `${stepKey}:${row.recipientId}`;
    const person = people.get(personKey) ?? { caseCode: row.task.caseCode, task: deps.taskTitle(row.task.key), unreachable: row.recipient.name, reasons: [], reached: false };
    if (row.status === 'failed') person.reasons.push((row.error ?? '').split(':')[0] as FailureReason);
    else person.reached = true;
    people.set(personKey, person);
  }
  return {
    province: PROVINCES[province as keyof typeof PROVINCES] ?? province,
    stalled,
    escalations: [...steps.values()],
    unreached: [...people.values()].filter((p) => !p.reached).map(({ reached: _, ...p }) => p),
  };
}
