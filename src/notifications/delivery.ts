/**
 * Delivering one escalation step: its people, on the step's channels, each in their own language
 * and outside their quiet hours unless urgent. When every channel failed for a person, the other
 * channel is tried; when that fails too, the next ladder step's people are told who could not be
 * reached and why. Each message goes through the outbox, so a re-run sends only what is missing.
 */
import type { Database, PrismaClient, StaffMember } from '../db/client';
import { notificationId, type EscalationNotice, type EscalationReport } from '../journey/notices';
import type { Channel } from '../policy/schema';
import type { Mailer } from '../transports/email';
import type { FailureReason } from '../transports/failure-reasons';
import type { SmsSender } from '../transports/sms';
import { channelsFor, CHANNELS, emailMessage, smsMessage } from './channels';
import { Language, messageKind, renderMessage, renderSms, type MessageFacts, type RelayFacts, type ReplyFacts } from './messages';
import { fail, notificationEntry, recorded, sendOnce, TransientSendError, type ChannelMessage, type SendOutcome } from './outbox';
import { quietHoursOf, quietUntil, type QuietHours } from './quiet-hours';
import { stepRecipients, type Recipient, type StepRecipients } from './recipients';

export interface DeliveryDeps {
  db: Database;
  mailer: Mailer;
  sms?: SmsSender;
  publicBaseUrl: string;
  /** The From address, for deterministic Message-IDs. */
  mailFrom?: string;
  /** Absolute URL of the SMS status webhook (src/api/routes/webhooks.ts); no callbacks when absent. */
  smsStatusCallbackUrl?: string;
  /** Default quiet hours of recipients without their own; undefined = no quiet hours. */
  quietHours?: QuietHours;
  smsMaxSegments?: number;
  /** From this activity attempt on, a channel that keeps failing transiently counts as failed. Default 12. */
  fallbackAfterAttempts?: number;
  /** Signs a one-click acknowledge link for an email recipient of the task's own agency (src/auth/action-links.ts). */
  actionLink?: (request: { action: 'acknowledge'; taskId: string; staffId: string; agencyId: string }) => string;
  /** Records a short link to the task's page for one recipient (src/auth/task-links.ts); without it messages link to /tasks/<id>. */
  taskLink?: TaskLinkIssuer;
  /**
   * The outcome words completing a task needs, by task key (the policy's outcomes), or 'plan' when
   * it needs a support plan, which no SMS can carry. Absent: SMS offer a plain DONE.
   */
  replyOutcomes?: (taskKey: string) => readonly string[] | 'plan';
  /** Test hook: runs after a provider accepted a message and before it is recorded (simulate a crash there). */
  afterProviderAccepted?: (notificationId: string, channel: Channel) => void | Promise<void>;
}

export type TaskLinkIssuer = (
  prisma: Pick<PrismaClient, 'taskLink'>,
  request: { key: string; taskId: string; staffId: string; agencyId: string; taskAgencyId: string; assigneeId: string | null; at: Date },
) => Promise<string>;

/** One delivery of one step, shared by its steps below. */
interface Delivery {
  deps: DeliveryDeps;
  notice: EscalationNotice;
  attempt: number;
  /** Quiet hours are judged at the workflow's clock. */
  at: Date;
  urgent: boolean;
  recipients: StepRecipients;
  report: EscalationReport;
}

/** A relay's subject: the person nobody could reach, and why. */
interface About {
  person: StaffMember;
  reasons: FailureReason[];
}

type PersonOutcome = { kind: 'reached' } | { kind: 'deferred'; until: Date } | { kind: 'unreachable'; reasons: FailureReason[] };

export async function deliverEscalation(deps: DeliveryDeps, notice: EscalationNotice, attempt = 1): Promise<EscalationReport> {
  const d: Delivery = {
    deps,
    notice,
    attempt,
    at: notice.at ? new Date(notice.at) : new Date(),
    urgent: notice.urgent ?? notice.step.urgent,
    recipients: await stepRecipients(deps.db, notice),
    report: { sent: 0, alreadySent: 0, failed: [], deferred: [], relayed: [], unreached: [] },
  };
  await forEveryone(await d.recipients.of(notice.step.notify), async (person) => {
    const outcome = await reach(d, person);
    if (outcome.kind === 'unreachable') await relay(d, person, outcome.reasons);
  });
  return withDeferUntil(d.report);
}

/** Finishes everyone else first; then fails the attempt (with the longest Retry-After) so the activity is retried. */
async function forEveryone(people: StaffMember[], each: (person: StaffMember) => Promise<void>): Promise<void> {
  let transient: TransientSendError | undefined;
  for (const person of people) {
    try {
      await each(person);
    } catch (error) {
      if (!(error instanceof TransientSendError)) throw error;
      if (!transient || (error.retryAfterMs ?? 0) > (transient.retryAfterMs ?? 0)) transient = error;
    }
  }
  if (transient) throw transient;
}

function withDeferUntil(report: EscalationReport): EscalationReport {
  const firstEnd = report.deferred.map((d) => d.until).sort()[0];
  if (firstEnd) report.deferUntil = firstEnd;
  return report;
}

/** Every channel of the step (as the person prefers); only when all of them failed, the other channels. */
async function reach(d: Delivery, person: StaffMember, about?: About): Promise<PersonOutcome> {
  const primaries = channelsFor(person, d.notice.step.channels, d.urgent);
  const reasons: FailureReason[] = [];
  for (const channels of [primaries, CHANNELS.filter((c) => !primaries.includes(c))]) {
    const tried = await sendOnChannels(d, person, channels, about);
    reasons.push(...tried.reasons);
    if (tried.reached) return { kind: 'reached' };
    if (tried.deferred) {
      d.report.deferred.push({ recipientId: person.id, until: tried.deferred.toISOString() });
      return { kind: 'deferred', until: tried.deferred };
    }
  }
  return { kind: 'unreachable', reasons };
}

async function sendOnChannels(d: Delivery, person: StaffMember, channels: readonly Channel[], about: About | undefined) {
  let reached = false;
  let deferred: Date | undefined;
  const reasons: FailureReason[] = [];
  for (const channel of channels) {
    const outcome = await sendOn(d, person, channel, about);
    if (outcome.kind === 'sent') d.report.sent++;
    if (outcome.kind === 'already') d.report.alreadySent++;
    if (outcome.kind === 'sent' || outcome.kind === 'already') reached = true;
    if (outcome.kind === 'deferred' && (!deferred || outcome.until < deferred)) deferred = outcome.until;
    if (outcome.kind === 'failed') {
      reasons.push(outcome.reason);
      d.report.failed.push({ recipientId: person.id, channel, reason: outcome.reason });
    }
  }
  return { reached, deferred, reasons };
}

/** Tells the next step's people, else the lead agency's coordinators and managers, who could not be reached. */
async function relay(d: Delivery, person: StaffMember, reasons: FailureReason[]): Promise<void> {
  const tried = new Set([person.id]);
  for (const roles of d.recipients.relayRounds) {
    let someone = false;
    for (const next of (await d.recipients.of(roles)).filter((p) => !tried.has(p.id))) {
      tried.add(next.id);
      if ((await reach(d, next, { person, reasons })).kind === 'unreachable') continue;
      someone = true;
      d.report.relayed.push({ aboutRecipientId: person.id, recipientId: next.id });
    }
    if (someone) return;
  }
  d.report.unreached.push({ recipientId: person.id, reasons });
}

/** One message to one person on one channel, once. */
async function sendOn(d: Delivery, person: StaffMember, channel: Channel, about: About | undefined): Promise<SendOutcome> {
  const { deps, notice } = d;
  const entry = notificationEntry(deps.db.prisma, notificationId(notice, channel, person.id, about?.person.id), {
    taskId: notice.task.id,
    recipientId: person.id,
    level: notice.level,
    channel,
    phase: notice.phase,
    purpose: about ? 'relay' : (notice.purpose ?? 'escalation'),
    aboutRecipientId: about?.person.id ?? null,
  });
  const { row, final } = await recorded(entry);
  if (final) return final;
  const address = channel === 'email' ? person.email : person.phone;
  if (!address) return fail(entry, channel === 'email' ? 'no-email' : 'no-phone', 'not in the directory');
  if (channel === 'sms' && !deps.sms) return fail(entry, 'sms-not-configured', 'no SMS transport');
  const link = await taskLinkFor(d, person, entry.id);
  const reply = channel === 'sms' ? await replyFor(d, person) : undefined;
  return sendOnce(entry, row, {
    ...render(d, person, channel, about, entry.id, address, link, reply),
    waitUntil: d.urgent ? undefined : () => quietUntil(d.at, quietHoursOf(person, deps.quietHours)),
    giveUp: d.attempt >= (deps.fallbackAfterAttempts ?? 12),
    afterAccepted: () => deps.afterProviderAccepted?.(entry.id, channel),
  });
}

const PURPOSE_KIND = { 'no-free-place': 'noFreePlace', 'closure-approval': 'closureApproval' } as const;

/** The message in the person's language, ready for its channel. */
function render(d: Delivery, person: StaffMember, channel: Channel, about: About | undefined, key: string, address: string, link: string, reply?: ReplyFacts): ChannelMessage {
  const { deps, notice } = d;
  const language = Language.catch('vi').parse(person.language);
  const facts = { ...factsFor(d, person, channel, about, link), ...(reply ? { reply } : {}) };
  const kind = notice.purpose && !about ? PURPOSE_KIND[notice.purpose] : messageKind(notice.level, about !== undefined);
  if (channel === 'email') return emailMessage(deps.mailer, deps.mailFrom, key, address, renderMessage(facts, language, kind));
  return smsMessage(deps.sms!, key, address, renderSms(facts, language, deps.smsMaxSegments ?? 2, kind).body, deps.smsStatusCallbackUrl);
}

/**
 * The recipient's own short link to the task's page, the same on every retry of this message
 * (its key names it); the page acts with that person's rights, so anyone on the ladder gets one.
 */
async function taskLinkFor(d: Delivery, person: StaffMember, key: string): Promise<string> {
  const { deps, notice } = d;
  if (!deps.taskLink) return `${deps.publicBaseUrl}/tasks/${encodeURIComponent(notice.task.id)}`;
  return deps.taskLink(deps.db.prisma, {
    key,
    taskId: notice.task.id,
    staffId: person.id,
    agencyId: person.agencyId,
    taskAgencyId: notice.task.agencyId,
    assigneeId: notice.task.assigneeId,
    at: d.at,
  });
}

/**
 * What the person may answer by SMS to act on the task: only someone of the task's agency may
 * (as with one-click links), and only with a code; a task that needs a plan is completed elsewhere.
 */
async function replyFor(d: Delivery, person: StaffMember): Promise<ReplyFacts | undefined> {
  const { deps, notice } = d;
  if (person.agencyId !== notice.task.agencyId) return undefined;
  const row = await deps.db.prisma.task.findUnique({ where: { id: notice.task.id }, select: { replyCode: true } });
  if (!row?.replyCode) return undefined;
  const outcomes = deps.replyOutcomes?.(notice.task.key) ?? [];
  if (outcomes === 'plan') return notice.phase === 'acknowledge' ? { code: row.replyCode } : undefined;
  return { code: row.replyCode, outcomes };
}

function factsFor(d: Delivery, person: StaffMember, channel: Channel, about: About | undefined, link: string): MessageFacts | RelayFacts {
  const { deps, notice } = d;
  const { task } = notice;
  const base: MessageFacts = {
    caseCode: notice.caseCode,
    task: task.title,
    phase: notice.phase,
    level: notice.level,
    dueAt: notice.phase === 'acknowledge' ? task.acknowledgeDueAt : task.completeDueAt,
    link,
    recipient: person.name,
    at: d.at.toISOString(),
    ...((person as Recipient).coveringFor ? { coveringFor: (person as Recipient).coveringFor!.name } : {}),
    // Only someone of the task's agency may acknowledge it, and only while it waits for that.
    ...(channel === 'email' && deps.actionLink && notice.phase === 'acknowledge' && person.agencyId === task.agencyId
      ? { actionLink: deps.actionLink({ action: 'acknowledge', taskId: task.id, staffId: person.id, agencyId: person.agencyId }) }
      : {}),
  };
  return about ? { ...base, unreachable: about.person.name, reasons: about.reasons } : base;
}
