/**
 * Delivering one escalation step: who it reaches, on which channels, in which language, when
 * (quiet hours), and what happens when a channel fails (fallback to the other channel, then the
 * next person on the ladder is told who could not be reached and why).
 *
 * Exactly once. Every message has a deterministic key (task, phase[@revision], level, channel,
 * recipient[, relay:about]) and a Notification row. The row is written as `sending` *before* the
 * provider is called and becomes `sent` (with the provider's id) after it accepted, so:
 * - a retry after a recorded send never sends again (the row says `sent`, `delivered` or `failed`);
 * - a retry after a failure the provider answered (4xx/5xx/429) sends again: nothing went out (`pending`);
 * - a crash between the provider's acceptance and the record (the row still says `sending`):
 *   SMS: the retry asks the provider for the recent messages to that number and adopts the one
 *   whose text has the recorded hash, else sends; the status callback, which names the row in its
 *   URL, also attaches the provider's id. Only a provider that accepted a message but does not
 *   list it yet could lead to a second SMS.
 *   Email: SMTP cannot be asked what it accepted, so the retry sends again with the same
 *   deterministic Message-ID (at least once in that window only; mail clients and servers that
 *   deduplicate by Message-ID show it once).
 */
import { createHash } from 'node:crypto';
import type { Database, StaffMember } from '../db/client';
import { Language, messageKind, renderMessage, renderSms, type FailureReason, type MessageFacts, type RelayFacts } from './messages';
import type { Channel, EscalationStep, RecipientRole } from '../policy/schema';
import { classifyEmailError, senderDomain, type Mailer } from '../transports/email';
import { classifySmsError, type SmsSender } from '../transports/sms';
import type { EscalationPhase, TaskState } from '../journey/definitions';
import { textToHtml } from './html';
import { notificationId, type EscalationNotice, type EscalationReport } from '../journey/notices';

export type { EscalationNotice, EscalationReport } from '../journey/notices';
import { quietHoursOf, quietUntil, type QuietHours } from './quiet-hours';

export interface DeliveryDeps {
  db: Database;
  mailer: Mailer;
  sms?: SmsSender;
  publicBaseUrl: string;
  /** The From address, for deterministic Message-IDs. */
  mailFrom?: string;
  /** Absolute URL of the SMS status webhook (src/client/sms-status.ts); no callbacks when absent. */
  smsStatusCallbackUrl?: string;
  /** Default quiet hours of recipients without their own; undefined = no quiet hours. */
  quietHours?: QuietHours;
  smsMaxSegments?: number;
  /** From this activity attempt on, a channel that keeps failing transiently counts as failed. Default 12. */
  fallbackAfterAttempts?: number;
  /** Signs a one-click acknowledge link for an email recipient of the task's own agency (src/auth/action-links.ts). */
  actionLink?: (request: { action: 'acknowledge'; taskId: string; staffId: string; agencyId: string }) => string;
  /** Test hook: runs after a provider accepted a message and before it is recorded (simulate a crash there). */
  afterProviderAccepted?: (notificationId: string, channel: Channel) => void | Promise<void>;
}

/** A failure worth retrying; the activity turns it into a retryable ApplicationFailure. */
export class TransientSendError extends Error {
  override name = 'TransientSendError';
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

export const CHANNELS: readonly Channel[] = ['email', 'sms'];
export { notificationId } from '../journey/notices';

/** RFC 5322 Message-ID from the notification key: the same key always gives the same id. */
export function messageIdFor(key: string, from: string | undefined): string {
  return `<${sha256(key).slice(0, 32)}@${senderDomain(from ?? '')}>`;
}

export const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

type SendOutcome = { kind: 'sent' | 'already' } | { kind: 'failed'; reason: FailureReason } | { kind: 'deferred'; until: Date };
type PersonOutcome = { kind: 'reached' } | { kind: 'deferred'; until: Date } | { kind: 'unreachable'; reasons: FailureReason[] };
interface About {
  person: StaffMember;
  reasons: FailureReason[];
}

/** Any provider that lists its messages may report date_created a little off our clock. */
const RECONCILE_WINDOW_MS = 10 * 60_000;
const RECONCILE_LIMIT = 50;

export async function deliverEscalation(deps: DeliveryDeps, notice: EscalationNotice, attempt = 1): Promise<EscalationReport> {
  const { prisma } = deps.db;
  const at = notice.at ? new Date(notice.at) : new Date();
  const urgent = notice.urgent ?? notice.step.urgent;
  const report: EscalationReport = { sent: 0, alreadySent: 0, failed: [], deferred: [], relayed: [], unreached: [] };
  const theCase = await prisma.case.findUniqueOrThrow({ where: { code: notice.caseCode } });
  const assignee = notice.task.assigneeId ? await prisma.staffMember.findUnique({ where: { id: notice.task.assigneeId } }) : null;

  async function resolve(roles: readonly RecipientRole[]): Promise<StaffMember[]> {
    const { task } = notice;
    const byRole = (agencyId: string, role: string) => prisma.staffMember.findMany({ where: { agencyId, role, active: true }, orderBy: { id: 'asc' } });
    const by: Record<RecipientRole, () => Promise<StaffMember[]>> = {
      // An unassigned task is the supervisors' to hand out.
      assignee: async () => (assignee ? [assignee] : byRole(task.agencyId, 'supervisor')),
      supervisor: async () =>
        assignee?.supervisorId ? [await prisma.staffMember.findUniqueOrThrow({ where: { id: assignee.supervisorId } })] : byRole(task.agencyId, 'supervisor'),
      focal_point: () => byRole(task.agencyId, 'focal_point'),
      coordinator: () => byRole(theCase.leadAgencyId, 'coordinator'),
      manager: () => byRole(theCase.leadAgencyId, 'manager'),
    };
    const found: StaffMember[] = [];
    for (const role of roles) found.push(...(await by[role]()));
    return [...new Map(found.map((s) => [s.id, s])).values()];
  }

  function facts(person: StaffMember, about: About | undefined, channel: Channel): MessageFacts | RelayFacts {
    const { task } = notice;
    const base: MessageFacts = {
      caseCode: notice.caseCode,
      task: task.title,
      phase: notice.phase,
      level: notice.level,
      dueAt: notice.phase === 'acknowledge' ? task.acknowledgeDueAt : task.completeDueAt,
      link: `${deps.publicBaseUrl}/tasks/${encodeURIComponent(task.id)}`,
      recipient: person.name,
      // Only someone of the task's agency may acknowledge it, and only while it waits for that.
      ...(channel === 'email' && deps.actionLink && notice.phase === 'acknowledge' && person.agencyId === task.agencyId
        ? { actionLink: deps.actionLink({ action: 'acknowledge', taskId: task.id, staffId: person.id, agencyId: person.agencyId }) }
        : {}),
    };
    return about ? { ...base, unreachable: about.person.name, reasons: about.reasons } : base;
  }

  async function sendOnce(person: StaffMember, channel: Channel, about: About | undefined): Promise<SendOutcome> {
    const id = notificationId(notice, channel, person.id, about?.person.id);
    const row = await prisma.notification.findUnique({ where: { id } });
    if (row && (row.status === 'sent' || row.status === 'delivered')) return { kind: 'already' };
    if (row?.status === 'failed') return { kind: 'failed', reason: reasonOf(row.error) };

    const now = () => new Date();
    const entry = {
      taskId: notice.task.id,
      recipientId: person.id,
      level: notice.level,
      channel,
      phase: notice.phase,
      purpose: about ? 'relay' : 'escalation',
      aboutRecipientId: about?.person.id ?? null,
    };
    const fail = async (reason: FailureReason, detail: string, errorCode?: number | string) => {
      await prisma.notification.upsert({
        where: { id },
        create: { id, ...entry, status: 'failed', error: `${reason}: ${detail}`, errorCode: errorCode === undefined ? null : String(errorCode), updatedAt: now() },
        update: { status: 'failed', error: `${reason}: ${detail}`, errorCode: errorCode === undefined ? null : String(errorCode), updatedAt: now() },
      });
      return { kind: 'failed', reason } as const;
    };

    const address = channel === 'email' ? person.email : person.phone;
    if (!address) return fail(channel === 'email' ? 'no-email' : 'no-phone', 'not in the directory');
    if (channel === 'sms' && !deps.sms) return fail('sms-not-configured', 'no SMS transport');

    const language = Language.catch('vi').parse(person.language);
    const f = facts(person, about, channel);
    const kind = messageKind(notice.level, about !== undefined);
    const email = channel === 'email' ? renderMessage(f, language, kind) : undefined;
    const sms = channel === 'sms' ? renderSms(f, language, deps.smsMaxSegments ?? 2, kind) : undefined;
    const contentHash = sha256(sms ? sms.body : `${email!.subject}\n${email!.text}`);

    if (row?.status === 'sending') {
      // An earlier attempt stopped between "recorded" and "sent": did the provider take it?
      if (channel === 'sms' && (await adoptFromProvider(row, address))) return { kind: 'already' };
    } else if (!urgent) {
      const until = quietUntil(at, quietHoursOf(person, deps.quietHours));
      if (until) {
        await prisma.notification.upsert({
          where: { id },
          create: { id, ...entry, status: 'deferred', deferredUntil: until, updatedAt: now() },
          update: { status: 'deferred', deferredUntil: until, updatedAt: now() },
        });
        return { kind: 'deferred', until };
      }
    }

    // Recorded before the provider call: a crash after it leaves `sending`, which the retry reconciles.
    const claimed = { status: 'sending', contentHash, error: null, deferredUntil: null, updatedAt: now() };
    await prisma.notification.upsert({
      where: { id },
      create: { id, ...entry, ...claimed, attempts: 1 },
      update: { ...claimed, attempts: { increment: 1 } },
    });

    let providerId: string;
    let providerStatus: string | null = null;
    try {
      if (email) {
        const html = textToHtml(email.text);
        ({ messageId: providerId } = await deps.mailer.send({ to: address, subject: email.subject, text: email.text, html, messageId: messageIdFor(id, deps.mailFrom) }));
      } else {
        const callback = deps.smsStatusCallbackUrl ? `${deps.smsStatusCallbackUrl}?n=${encodeURIComponent(id)}` : undefined;
        const accepted = await deps.sms!.send({ to: address, body: sms!.body, statusCallback: callback });
        providerId = accepted.sid;
        providerStatus = accepted.status;
      }
    } catch (error) {
      const failure = channel === 'email' ? classifyEmailError(error) : classifySmsError(error);
      if (failure.kind === 'rejected') return fail('email-rejected', failure.message, failure.responseCode);
      if (failure.kind === 'unreachable') return fail(failure.reason, failure.message, failure.code);
      if (attempt >= (deps.fallbackAfterAttempts ?? 12)) return fail(channel === 'email' ? 'email-unavailable' : 'sms-unavailable', failure.message);
      // An answered refusal means nothing went out; no answer at all leaves `sending` for the retry to check.
      const answered = 'ambiguous' in failure ? !failure.ambiguous : failure.responseCode !== undefined;
      await prisma.notification.update({ where: { id }, data: { status: answered ? 'pending' : 'sending', error: failure.message, updatedAt: now() } });
      throw new TransientSendError(`${channel}: ${failure.message}`, 'retryAfterMs' in failure ? failure.retryAfterMs : undefined);
    }

    await deps.afterProviderAccepted?.(id, channel);
    // A status callback may have got here first: keep the further status it recorded.
    await prisma.notification.updateMany({ where: { id, status: 'sending' }, data: { status: 'sent', providerId, providerStatus, sentAt: now(), error: null, updatedAt: now() } });
    return { kind: 'sent' };
  }

  /** After a crash between the provider's acceptance and our record: adopt the message if it exists. */
  async function adoptFromProvider(row: { id: string; providerId: string | null; contentHash: string | null; updatedAt: Date | null; createdAt: Date }, to: string) {
    if (row.providerId) {
      // The status callback named this row and brought the provider's id: it was accepted.
      await prisma.notification.update({ where: { id: row.id }, data: { status: 'sent', sentAt: new Date(), updatedAt: new Date() } });
      return true;
    }
    const since = (row.updatedAt ?? row.createdAt).getTime() - RECONCILE_WINDOW_MS;
    const recent = await deps.sms!.recent(to, RECONCILE_LIMIT).catch((error: unknown) => {
      // Without the provider's answer we cannot know: ask again on the next attempt, never guess.
      const failure = classifySmsError(error);
      throw new TransientSendError(`sms: reconciling ${row.id}: ${failure.message}`, failure.kind === 'transient' ? failure.retryAfterMs : undefined);
    });
    const match = recent.find((m) => m.dateCreated.getTime() >= since && sha256(m.body) === row.contentHash);
    if (!match) return false;
    await prisma.notification.update({
      where: { id: row.id },
      data: { status: 'sent', providerId: match.sid, providerStatus: match.status, sentAt: match.dateCreated, error: null, updatedAt: new Date() },
    });
    return true;
  }

  /** Every channel of the step; only when all of them failed, the other channels. */
  async function reach(person: StaffMember, about?: About): Promise<PersonOutcome> {
    const primaries = [...new Set(notice.step.channels)];
    const reasons: FailureReason[] = [];
    for (const channels of [primaries, CHANNELS.filter((c) => !primaries.includes(c))]) {
      let reached = false;
      let deferred: Date | undefined;
      for (const channel of channels) {
        const outcome = await sendOnce(person, channel, about);
        if (outcome.kind === 'sent') report.sent++;
        if (outcome.kind === 'already') report.alreadySent++;
        if (outcome.kind === 'sent' || outcome.kind === 'already') reached = true;
        if (outcome.kind === 'deferred' && (!deferred || outcome.until < deferred)) deferred = outcome.until;
        if (outcome.kind === 'failed') {
          reasons.push(outcome.reason);
          report.failed.push({ recipientId: person.id, channel, reason: outcome.reason });
        }
      }
      if (reached) return { kind: 'reached' };
      if (deferred) {
        report.deferred.push({ recipientId: person.id, until: deferred.toISOString() });
        return { kind: 'deferred', until: deferred };
      }
    }
    return { kind: 'unreachable', reasons };
  }

  /** Tells the next step's people, else the lead agency's coordinators and managers, who could not be reached. */
  async function relay(person: StaffMember, reasons: FailureReason[]) {
    const tried = new Set([person.id]);
    for (const roles of [notice.relayTo ?? [], ['coordinator', 'manager'] as RecipientRole[]]) {
      let someone = false;
      for (const next of (await resolve(roles)).filter((p) => !tried.has(p.id))) {
        tried.add(next.id);
        const outcome = await reach(next, { person, reasons });
        if (outcome.kind !== 'unreachable') {
          someone = true;
          report.relayed.push({ aboutRecipientId: person.id, recipientId: next.id });
        }
      }
      if (someone) return;
    }
    report.unreached.push({ recipientId: person.id, reasons });
  }

  let transient: TransientSendError | undefined;
  for (const person of await resolve(notice.step.notify)) {
    try {
      const outcome = await reach(person);
      if (outcome.kind === 'unreachable') await relay(person, outcome.reasons);
    } catch (error) {
      // Finish everyone else first; then fail the attempt so the activity is retried.
      if (!(error instanceof TransientSendError)) throw error;
      if (!transient || (error.retryAfterMs ?? 0) > (transient.retryAfterMs ?? 0)) transient = error;
    }
  }
  if (transient) throw transient;
  const firstEnd = report.deferred.map((d) => d.until).sort()[0];
  if (firstEnd) report.deferUntil = firstEnd;
  return report;
}

function reasonOf(error: string | null): FailureReason {
  return (error?.split(':')[0] ?? 'sms-failed') as FailureReason;
}
