/** One outbound SMS as the gateway keeps it, and its Twilio JSON resource shape. */
import { randomBytes } from 'node:crypto';
import type { SmsEncoding } from '../../transports/twilio';

export const API_VERSION = '2010-04-01';

export type MessageStatus = 'queued' | 'sent' | 'delivered' | 'undelivered' | 'failed';

/** One attempt series to post one status to the StatusCallback URL. */
export interface StatusCallbackDelivery {
  status: MessageStatus;
  errorCode: number | null;
  attempts: number;
  /** The receiver's HTTP status; absent when every attempt failed at the network level. */
  responseStatus?: number;
  error?: string;
}

export interface SmsMessage {
  sid: string;
  accountSid: string;
  to: string;
  from: string | null;
  messagingServiceSid: string | null;
  body: string;
  encoding: SmsEncoding;
  numSegments: number;
  status: MessageStatus;
  errorCode: number | null;
  statusCallback: string | null;
  dateCreated: Date;
  dateUpdated: Date;
  dateSent: Date | null;
  callbacks: StatusCallbackDelivery[];
}

export const newMessageSid = () => `SM${randomBytes(16).toString('hex')}`;

/** Twilio's RFC 2822 form; the client parses exactly "ddd, DD MMM YYYY HH:mm:ss +0000". */
export const rfc2822 = (date: Date) => date.toUTCString().replace(/GMT$/, '+0000');

export const messageUri = (accountSid: string, sid: string) => `/${API_VERSION}/Accounts/${accountSid}/Messages/${sid}.json`;

export function toResource(m: SmsMessage) {
  return {
    account_sid: m.accountSid,
    api_version: API_VERSION,
    body: m.body,
    date_created: rfc2822(m.dateCreated),
    date_sent: m.dateSent && rfc2822(m.dateSent),
    date_updated: rfc2822(m.dateUpdated),
    direction: 'outbound-api',
    error_code: m.errorCode,
    error_message: null,
    from: m.from,
    messaging_service_sid: m.messagingServiceSid,
    num_media: '0',
    num_segments: String(m.numSegments),
    price: null,
    price_unit: 'USD',
    sid: m.sid,
    status: m.status,
    subresource_uris: { media: messageUri(m.accountSid, m.sid).replace(/\.json$/, '/Media.json') },
    to: m.to,
    uri: messageUri(m.accountSid, m.sid),
  };
}

export type MessageResource = ReturnType<typeof toResource>;
