/**
 * The real `twilio` client, optionally pointed at the local Twilio-compatible gateway, and SMS
 * segment counting (segments are what an SMS costs; escalation texts should stay in one).
 */
import twilio from 'twilio';
import RestException from 'twilio/lib/base/RestException';
import type RequestClient from 'twilio/lib/base/RequestClient';

export interface TwilioClientOptions {
  accountSid: string;
  authToken: string;
  /** Origin (plus optional path prefix) of a Twilio-compatible server, e.g. the local SMS gateway. */
  baseUrl?: string;
}

/**
 * Sends every request to `baseUrl` instead of *.twilio.com. Only the origin changes, so Basic auth,
 * form encoding and RestException mapping stay the client's own. Every host is rewritten, not just
 * api.twilio.com: in an air-gapped deployment no request may leak to the internet.
 */
export class RedirectingRequestClient extends twilio.RequestClient {
  private readonly base: URL;

  constructor(baseUrl: string, opts?: RequestClient.RequestClientOptions) {
    super(opts);
    this.base = new URL(baseUrl);
  }

  rewrite(uri: string): string {
    const original = new URL(uri);
    const prefix = this.base.pathname.replace(/\/+$/, '');
    return `${this.base.origin}${prefix}${original.pathname}${original.search}`;
  }

  /**
   * RestException drops the response headers, and with them Retry-After. A refused request that
   * carries one is thrown here instead, as the same RestException plus `retryAfterMs`.
   */
  override async request<TData>(opts: RequestClient.RequestOptions<TData>) {
    const response = await super.request<TData>({ ...opts, uri: this.rewrite(opts.uri) });
    const retryAfterMs = parseRetryAfter((response.headers as Record<string, unknown> | undefined)?.['retry-after']);
    if (response.statusCode >= 400 && retryAfterMs !== undefined) {
      throw Object.assign(new RestException(response), { retryAfterMs });
    }
    return response;
  }
}

/** Retry-After as delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: unknown, now = Date.now()): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (typeof text !== 'string' || text.trim() === '') return undefined;
  if (/^\d+$/.test(text.trim())) return Number(text.trim()) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Auto-retry on 429 stays off: the calling activity's retry policy owns retries, so a rate limit
 * shows up in Temporal's history instead of being hidden inside one attempt.
 */
export function createTwilioClient({ accountSid, authToken, baseUrl }: TwilioClientOptions): twilio.Twilio {
  const httpClient = baseUrl === undefined ? undefined : new RedirectingRequestClient(baseUrl);
  return twilio(accountSid, authToken, { httpClient, autoRetry: false });
}

export type SmsEncoding = 'GSM-7' | 'UCS-2';
export interface SmsSegments {
  encoding: SmsEncoding;
  segments: number;
}

// GSM 03.38 default alphabet (without ESC) and the extension table, whose characters cost two septets.
const GSM_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
    '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
const GSM_EXTENSION = new Set('^{}\\[~]|€\f');

// A part of a concatenated SMS loses room to the user data header (6 bytes).
const LIMITS: Record<SmsEncoding, { single: number; part: number }> = {
  'GSM-7': { single: 160, part: 153 },
  'UCS-2': { single: 70, part: 67 },
};

/**
 * How many SMS a body costs. One character outside GSM-7 (any Vietnamese tone mark, "đ") makes
 * the whole message UCS-2. A character never straddles two parts: an extension character's
 * escape pair and a UTF-16 surrogate pair move whole to the next part. An empty body is one SMS.
 */
export function countSmsSegments(body: string): SmsSegments {
  const chars = Array.from(body);
  const gsm = chars.every((c) => GSM_BASIC.has(c) || GSM_EXTENSION.has(c));
  const encoding: SmsEncoding = gsm ? 'GSM-7' : 'UCS-2';
  const units = chars.map((c) => (gsm ? (GSM_EXTENSION.has(c) ? 2 : 1) : c.length));
  const total = units.reduce((sum, n) => sum + n, 0);
  const { single, part } = LIMITS[encoding];
  if (total <= single) return { encoding, segments: 1 };

  let segments = 1;
  let used = 0;
  for (const n of units) {
    if (used + n > part) {
      segments += 1;
      used = 0;
    }
    used += n;
  }
  return { encoding, segments };
}
