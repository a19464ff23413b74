/**
 * One rendered message on email or SMS, as the outbox sends it: the provider call, what the
 * provider's errors mean, the content hash, and (SMS only) the provider's list of what it sent.
 */
import { PreferredChannel } from '../domain/staff';
import type { Channel } from '../policy/schema';
import { classifyEmailError, type Mailer, type OutgoingEmail } from '../transports/email';
import { classifySmsError, type SmsSender } from '../transports/sms';
import { textToHtml } from './html';
import { messageIdFor, sha256, TransientSendError, type ChannelMessage, type SendFailure } from './outbox';

export const CHANNELS: readonly Channel[] = ['email', 'sms'];

/**
 * The channels a step uses for one person: their preferred ones instead of the step's (no
 * preference: the step's, as before). An urgent step keeps its own channels as well, so a
 * preference never removes a channel from an urgent message. The other channel stays the fallback.
 */
export function channelsFor(person: { preferredChannel: string | null }, stepChannels: readonly Channel[], urgent: boolean): Channel[] {
  const preferred = PreferredChannel.safeParse(person.preferredChannel);
  if (!preferred.success) return [...new Set(stepChannels)];
  const mine: Channel[] = preferred.data === 'both' ? ['email', 'sms'] : [preferred.data];
  return CHANNELS.filter((c) => mine.includes(c) || (urgent && stepChannels.includes(c)));
}

/** How many of the provider's recent messages to a number are searched after a crash. */
const ADOPT_LIMIT = 50;

/** `html` defaults to the text as HTML; `attachments` go with it as they are. */
export function emailMessage(mailer: Mailer, mailFrom: string | undefined, key: string, to: string, email: { subject: string; text: string; html?: string; attachments?: OutgoingEmail['attachments'] }): ChannelMessage {
  return {
    channel: 'email',
    contentHash: sha256(`${email.subject}\n${email.text}`),
    unavailable: 'email-unavailable',
    async send() {
      // Same key, same Message-ID: a resend after a crash is recognisably the same email.
      const html = email.html ?? textToHtml(email.text);
      const attachments = email.attachments ? { attachments: email.attachments } : {};
      const { messageId } = await mailer.send({ to, subject: email.subject, text: email.text, html, messageId: messageIdFor(key, mailFrom), ...attachments });
      return { providerId: messageId, providerStatus: null };
    },
    classify: classifyEmail,
  };
}

/** `statusCallbackUrl` names the key in `?n=`, so a delivery report finds its row even before the send is recorded. */
export function smsMessage(sms: SmsSender, key: string, to: string, body: string, statusCallbackUrl: string | undefined): ChannelMessage {
  return {
    channel: 'sms',
    contentHash: sha256(body),
    unavailable: 'sms-unavailable',
    async send() {
      const statusCallback = statusCallbackUrl ? `${statusCallbackUrl}?n=${encodeURIComponent(key)}` : undefined;
      const accepted = await sms.send({ to, body, statusCallback });
      return { providerId: accepted.sid, providerStatus: accepted.status };
    },
    classify: classifySms,
    async listSent() {
      const recent = await sms.recent(to, ADOPT_LIMIT).catch((error: unknown) => {
        // Without the provider's answer we cannot know: ask again on the next attempt, never guess.
        const failure = classifySmsError(error);
        throw new TransientSendError(`sms: reconciling ${key}: ${failure.message}`, failure.kind === 'transient' ? failure.retryAfterMs : undefined);
      });
      return recent.map((m) => ({ providerId: m.sid, providerStatus: m.status, body: m.body, createdAt: m.dateCreated }));
    },
  };
}

function classifyEmail(error: unknown): SendFailure {
  const failure = classifyEmailError(error);
  if (failure.kind === 'rejected') return { kind: 'refused', reason: 'email-rejected', message: failure.message, code: failure.responseCode };
  return { kind: 'transient', message: failure.message, answered: failure.responseCode !== undefined };
}

function classifySms(error: unknown): SendFailure {
  const failure = classifySmsError(error);
  if (failure.kind === 'unreachable') return { kind: 'refused', reason: failure.reason, message: failure.message, code: failure.code };
  return { kind: 'transient', message: failure.message, answered: !failure.ambiguous, retryAfterMs: failure.retryAfterMs };
}
