/**
 * The daily digest: one email per province manager with the province's overdue tasks, the
 * escalations of the last 24 hours and the people who could not be reached. Keyed per
 * province, local day and manager, so a rerun of the same day sends nothing twice.
 */
import { overdueTaskWhere } from '../db/task-rules';
import type { Database } from '../db/client';
import { PROVINCES } from '../domain/provinces';
import type { Mailer } from '../transports/email';
import { emailMessage } from './channels';
import { Language, renderDigest, type DigestFacts, type FailureReason } from './messages';
import { digestEntry, recorded, sendOnce } from './outbox';
import { digestAudiences, type DigestAudience } from './recipients';

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

/**
 * A transient failure fails the activity, which is retried (what was sent stays sent); a refused
 * mailbox does not hold back the other managers' digests, today or on later days.
 */
export async function sendDailyDigests(deps: DigestDeps, { until }: { until: string }): Promise<DigestReport> {
  const end = new Date(until);
  const start = new Date(end.getTime() - DAY_MS);
  const day = localDay(end);
  const report: DigestReport = { day, sent: 0, alreadySent: 0, refused: [], provinces: [] };
  for (const { province, managers } of await digestAudiences(deps.db)) {
    const facts = await provinceFacts(deps, province, start, end);
    report.provinces.push({ province, stalled: facts.stalled.length, escalations: facts.escalations.length, recipients: managers.length });
    for (const manager of managers) await sendDigest(deps, report, { province, day, manager }, { ...facts, recipient: manager.name, day, until });
  }
  return report;
}

async function sendDigest(deps: DigestDeps, report: DigestReport, to: { province: string; day: string; manager: DigestAudience['managers'][number] }, facts: DigestFacts) {
  const { province, day, manager } = to;
  const id = `digest:${province}:${day}:${manager.id}`;
  const entry = digestEntry(deps.db.prisma, id, { province, day, recipientId: manager.id });
  const { row, final } = await recorded(entry);
  // Only a sent digest is final: a refused one is tried again on a rerun, in case the mailbox works now.
  if (final?.kind === 'already') {
    report.alreadySent++;
    return;
  }
  const message = renderDigest(facts, Language.catch('vi').parse(manager.language));
  const outcome = await sendOnce(entry, row, emailMessage(deps.mailer, deps.mailFrom, id, manager.email, message));
  if (outcome.kind === 'sent') report.sent++;
  if (outcome.kind === 'failed') report.refused.push({ recipientId: manager.id, reason: outcome.detail });
}

type ProvinceFacts = Omit<DigestFacts, 'recipient' | 'day' | 'until'>;

async function provinceFacts(deps: DigestDeps, province: string, start: Date, end: Date): Promise<ProvinceFacts> {
  return {
    province: PROVINCES[province as keyof typeof PROVINCES] ?? province,
    stalled: await stalledTasks(deps, province, end),
    ...(await escalationsOf(deps, province, start, end)),
  };
}

async function stalledTasks(deps: DigestDeps, province: string, end: Date): Promise<ProvinceFacts['stalled']> {
  const tasks = await deps.db.prisma.task.findMany({
    where: { case: { province, status: 'active' }, ...overdueTaskWhere(end) },
    orderBy: [{ caseCode: 'asc' }, { id: 'asc' }],
  });
  return tasks.map((t) => {
    const phase = t.status === 'open' ? ('acknowledge' as const) : ('complete' as const);
    return {
      caseCode: t.caseCode,
      task: deps.taskTitle(t.key),
      phase,
      dueAt: (phase === 'acknowledge' ? t.acknowledgeDueAt : t.completeDueAt).toISOString(),
      level: t.escalationLevel,
      link: `${deps.publicBaseUrl}/tasks/${encodeURIComponent(t.id)}`,
    };
  });
}

/** Messages sent per ladder step, and the people of an escalation that none of its messages reached. */
async function escalationsOf(deps: DigestDeps, province: string, start: Date, end: Date): Promise<Pick<ProvinceFacts, 'escalations' | 'unreached'>> {
  const rows = await deps.db.prisma.notification.findMany({
    where: { createdAt: { gte: start, lt: end }, task: { case: { province } } },
    include: { task: true, recipient: true },
    orderBy: [{ taskId: 'asc' }, { level: 'asc' }, { id: 'asc' }],
  });
  const steps = new Map<string, ProvinceFacts['escalations'][number]>();
  const people = new Map<string, ProvinceFacts['unreached'][number] & { reached: boolean }>();
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
    escalations: [...steps.values()],
    unreached: [...people.values()].filter((p) => !p.reached).map(({ reached: _, ...p }) => p),
  };
}
