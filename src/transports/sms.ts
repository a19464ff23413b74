/**
 * SMS through the real `twilio` client (Twilio itself, or the local gateway): a thin adapter that
 * sends one message, lists recent ones to a number (to reconcile after a crash), and says which
 * failures are about the recipient (fall back to another channel) and which are worth a retry.
 */
import type { FailureReason } from './failure-reasons';
import { createTwilioClient } from './twilio';

export interface OutgoingSms {
  to: string;
  body: string;
  /** Where the provider posts delivery status (queued, sent, delivered, undelivered, failed). */
  statusCallback?: string;
}

export interface ProviderMessage {
  sid: string;
  body: string;
  status: string;
  errorCode: number | null;
  dateCreated: Date;
}

export interface SmsSender {
  send(sms: OutgoingSms): Promise<{ sid: string; status: string }>;
  /** The newest messages sent to `to`, newest first. */
  recent(to: string, limit: number): Promise<ProviderMessage[]>;
}

export interface SmsSettings {
  accountSid: string;
  authToken: string;
  /** Origin of Twilio (https://api.twilio.com) or of a Twilio-compatible server; every request goes there. */
  baseUrl: string;
  from: string;
}

export function createSmsSender(settings: SmsSettings): SmsSender {
  const client = createTwilioClient(settings);
  return {
    async send({ to, body, statusCallback }) {
      const message = await client.messages.create({ to, from: settings.from, body, ...(statusCallback ? { statusCallback } : {}) });
      return { sid: message.sid, status: message.status };
    },
    async recent(to, limit) {
      const messages = await client.messages.list({ to, limit, pageSize: limit });
      return messages.map((m) => ({ sid: m.sid, body: m.body, status: m.status, errorCode: m.errorCode ?? null, dateCreated: m.dateCreated }));
    },
  };
}

export type SmsFailure =
  /** About this recipient or this account: another attempt would fail the same way. */
  | { kind: 'unreachable'; reason: FailureReason; code?: number; message: string }
  /** Rate limit, provider trouble or the network: retry, after `retryAfterMs` when the provider said so. */
  | { kind: 'transient'; status?: number; retryAfterMs?: number; message: string; ambiguous: boolean };

/** Twilio error codes that are about the destination number. */
const NUMBER_CODES: Record<number, FailureReason> = {
  21211: 'sms-invalid-number', // invalid 'To' number
  21214: 'sms-invalid-number', // 'To' cannot be reached
  21217: 'sms-invalid-number',
  21614: 'sms-invalid-number', // not a mobile number
  21612: 'sms-refused', // cannot route to this number
  21408: 'sms-refused', // region not enabled
  21610: 'sms-unsubscribed', // replied STOP
};

/** Delivery-status error codes (from a status callback) as a reason. */
export function undeliveredReason(status: string, errorCode: number | null | undefined): FailureReason {
  if (errorCode === 21610) return 'sms-unsubscribed';
  return status === 'failed' ? 'sms-failed' : 'sms-undelivered';
}

export function classifySmsError(error: unknown): SmsFailure {
  const e = error as { status?: number; code?: number; message?: string; retryAfterMs?: number };
  const message = `${e.status ?? ''} ${e.code ?? ''} ${e.message ?? String(error)}`.replace(/\s+/g, ' ').trim();
  if (typeof e.status !== 'number') {
    // No HTTP answer (timeout, reset): the provider may or may not have taken the message.
    return { kind: 'transient', message, ambiguous: true };
  }
  if (e.status === 429 || e.status >= 500) return { kind: 'transient', status: e.status, retryAfterMs: e.retryAfterMs, message, ambiguous: false };
  const reason = (e.code !== undefined && NUMBER_CODES[e.code]) || 'sms-refused';
  return { kind: 'unreachable', reason, code: e.code, message };
}
