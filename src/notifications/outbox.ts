/**
 * The exactly-once ledger of outgoing messages. Every message has a deterministic key and one row,
 * written as `sending` before the provider is called and turned into `sent` (with the provider's
 * id) once it accepted. So a retry after a recorded send sends nothing; a retry after a refusal
 * the provider answered sends again (`pending`: nothing went out); and a retry after a crash
 * between the provider's acceptance and the record (still `sending`) first asks the provider,
 * when it can be asked, and adopts its message instead of sending a second one.
 *
 * Escalations (Notification) and the digest (DigestDelivery) keep their own tables; the rules
 * are applied here, to either, through a `LedgerEntry`.
 */
import { createHash } from 'node:crypto';
import type { Database } from '../db/client';
import type { FailureReason } from '../transports/failure-reasons';
import { senderDomain } from '../transports/email';

type Prisma = Database['prisma'];

export type OutboxStatus = 'deferred' | 'sending' | 'pending' | 'sent' | 'delivered' | 'failed';

export interface OutboxRow {
  id: string;
  status: string;
  providerId: string | null;
  error: string | null;
  createdAt: Date;
  contentHash?: string | null;
  updatedAt?: Date | null;
}

/** A change of one row; a table without a column ignores it. */
export interface LedgerChange {
  status: OutboxStatus;
  error?: string | null;
  errorCode?: string | null;
  providerId?: string;
  providerStatus?: string | null;
  sentAt?: Date;
  contentHash?: string;
  deferredUntil?: Date | null;
}

/** One key in one table. */
export interface LedgerEntry {
  readonly id: string;
  find(): Promise<OutboxRow | null>;
  /** Creates the row or changes it; `countAttempt` counts a provider call. */
  write(change: LedgerChange, countAttempt?: boolean): Promise<void>;
  /** Changes the existing row; with `onlyIf`, only while it still has that status. */
  change(change: LedgerChange, onlyIf?: OutboxStatus): Promise<void>;
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

export type SendOutcome =
  | { kind: 'sent' | 'already' }
  | { kind: 'failed'; reason: FailureReason; detail: string }
  | { kind: 'deferred'; until: Date };

/** How a provider's error is handled: a typed refusal is final, anything else is retried. */
export type SendFailure =
  | { kind: 'refused'; reason: FailureReason; message: string; code?: number | string }
  /** `answered`: the provider said no, so nothing went out; otherwise it may have taken the message. */
  | { kind: 'transient'; message: string; answered: boolean; retryAfterMs?: number };

export interface Accepted {
  providerId: string;
  providerStatus: string | null;
}

/** A message as the provider lists it. */
export interface ProviderRecord extends Accepted {
  body: string;
  createdAt: Date;
}

/** One message on one channel, ready for its provider. */
export interface ChannelMessage {
  channel: 'email' | 'sms';
  /** sha256 of the exact text: finds the provider's record of it after a crash. */
  contentHash: string;
  /** What a channel that kept failing transiently counts as once the caller gives up on it. */
  unavailable: FailureReason;
  send(): Promise<Accepted>;
  classify(error: unknown): SendFailure;
  /** The provider's recent messages to this address, when it can be asked (SMS; SMTP cannot). */
  listSent?(): Promise<ProviderRecord[]>;
}

export interface Outgoing extends ChannelMessage {
  /** Inside the recipient's quiet hours: until when the message waits. */
  waitUntil?(): Date | undefined;
  /** Transient failures have gone on long enough: this one counts as failed. */
  giveUp?: boolean;
  /** Test hook: runs between the provider's acceptance and the record of it. */
  afterAccepted?(): void | Promise<void>;
}

/** A provider's clock may be a little off ours when it reports when it took a message. */
const ADOPT_WINDOW_MS = 10 * 60_000;

export const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** RFC 5322 Message-ID from the key: the same key always gives the same id. */
export function messageIdFor(key: string, from: string | undefined): string {
  return `<${sha256(key).slice(0, 32)}@${senderDomain(from ?? '')}>`;
}

/** The row of a key, and `final` when nothing more may be sent for it. */
export async function recorded(entry: LedgerEntry): Promise<{ row: OutboxRow | null; final?: SendOutcome & { kind: 'already' | 'failed' } }> {
  const row = await entry.find();
  if (row && (row.status === 'sent' || row.status === 'delivered')) return { row, final: { kind: 'already' } };
  if (row?.status === 'failed') {
    const [reason, ...detail] = (row.error ?? 'sms-failed').split(':');
    return { row, final: { kind: 'failed', reason: reason as FailureReason, detail: detail.join(':').trim() } };
  }
  return { row };
}

/** Records a typed failure: final for the key. */
export async function fail(entry: LedgerEntry, reason: FailureReason, detail: string, code?: number | string): Promise<SendOutcome> {
  await entry.write({ status: 'failed', error: `${reason}: ${detail}`, errorCode: code === undefined ? null : String(code) });
  return { kind: 'failed', reason, detail };
}

/** Sends `message` once for `entry`, whose row `recorded` read and found not final. */
export async function sendOnce(entry: LedgerEntry, row: OutboxRow | null, message: Outgoing): Promise<SendOutcome> {
  if (row?.status === 'sending') {
    // An earlier attempt stopped between "recorded" and "sent": did the provider take it?
    if (message.listSent && (await adopt(entry, row, message.listSent))) return { kind: 'already' };
  } else {
    const until = message.waitUntil?.();
    if (until) {
      await entry.write({ status: 'deferred', deferredUntil: until });
      return { kind: 'deferred', until };
    }
  }
  // Recorded before the provider call: a crash after it leaves `sending` for the retry to check.
  await entry.write({ status: 'sending', contentHash: message.contentHash, error: null, deferredUntil: null }, true);
  let accepted: Accepted;
  try {
    accepted = await message.send();
  } catch (error) {
    return refusedOrRetry(entry, message, error);
  }
  await message.afterAccepted?.();
  // A status callback may have got here first: keep the further status it recorded.
  await entry.change({ status: 'sent', ...accepted, sentAt: new Date(), error: null }, 'sending');
  return { kind: 'sent' };
}

async function refusedOrRetry(entry: LedgerEntry, message: Outgoing, error: unknown): Promise<SendOutcome> {
  const failure = message.classify(error);
  if (failure.kind === 'refused') return fail(entry, failure.reason, failure.message, failure.code);
  if (message.giveUp) return fail(entry, message.unavailable, failure.message);
  // An answered refusal means nothing went out; no answer at all leaves `sending` for the retry to check.
  await entry.change({ status: failure.answered ? 'pending' : 'sending', error: failure.message });
  throw new TransientSendError(`${message.channel}: ${failure.message}`, failure.retryAfterMs);
}

/** After a crash between the provider's acceptance and the record: adopts the message if it exists. */
async function adopt(entry: LedgerEntry, row: OutboxRow, listSent: () => Promise<ProviderRecord[]>): Promise<boolean> {
  if (row.providerId) {
    // The status callback named this key and brought the provider's id: it was accepted.
    await entry.change({ status: 'sent', sentAt: new Date() });
    return true;
  }
  const since = (row.updatedAt ?? row.createdAt).getTime() - ADOPT_WINDOW_MS;
  const match = (await listSent()).find((m) => m.createdAt.getTime() >= since && sha256(m.body) === row.contentHash);
  if (!match) return false;
  await entry.change({ status: 'sent', providerId: match.providerId, providerStatus: match.providerStatus, sentAt: match.createdAt, error: null });
  return true;
}

/** The columns of a Notification row that name what it is about, written when it is created. */
export interface NotificationColumns {
  taskId: string;
  recipientId: string;
  level: number;
  channel: string;
  phase: string;
  purpose: 'escalation' | 'relay' | 'no-free-place' | 'closure-approval';
  aboutRecipientId: string | null;
}

export function notificationEntry(prisma: Prisma, id: string, columns: NotificationColumns): LedgerEntry {
  const stamped = (change: LedgerChange) => ({ ...change, updatedAt: new Date() });
  return {
    id,
    find: () => prisma.notification.findUnique({ where: { id } }),
    async write(change, countAttempt = false) {
      await prisma.notification.upsert({
        where: { id },
        create: { id, ...columns, ...stamped(change), ...(countAttempt ? { attempts: 1 } : {}) },
        update: { ...stamped(change), ...(countAttempt ? { attempts: { increment: 1 } } : {}) },
      });
    },
    async change(change, onlyIf) {
      if (onlyIf) await prisma.notification.updateMany({ where: { id, status: onlyIf }, data: stamped(change) });
      else await prisma.notification.update({ where: { id }, data: stamped(change) });
    },
  };
}

/** DigestDelivery keeps status, provider id, error and time sent. */
export function digestEntry(prisma: Prisma, id: string, columns: { province: string; day: string; recipientId: string }): LedgerEntry {
  const kept = ({ status, error, providerId, sentAt }: LedgerChange) => ({ status, error, providerId, sentAt });
  return {
    id,
    find: () => prisma.digestDelivery.findUnique({ where: { id } }),
    async write(change) {
      await prisma.digestDelivery.upsert({ where: { id }, create: { id, ...columns, ...kept(change) }, update: kept(change) });
    },
    async change(change, onlyIf) {
      if (onlyIf) await prisma.digestDelivery.updateMany({ where: { id, status: onlyIf }, data: kept(change) });
      else await prisma.digestDelivery.update({ where: { id }, data: kept(change) });
    },
  };
}
