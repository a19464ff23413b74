/**
 * A staff member's reply, simulated: `POST /_control/inbound` (JSON `{ from, body }`, or the form
 * of the gateway's page) builds the form Twilio posts for an incoming SMS, signs it with the auth
 * token for the configured webhook URL exactly as Twilio does, posts it, and reads the TwiML
 * answer: the SMS Twilio would send back. Exchanges are kept in memory for the page, like messages.
 */
import type { FastifyInstance } from 'fastify';
import twilio from 'twilio';
import { z } from 'zod';
import { signCallback } from './callbacks';
import { newMessageSid } from './message';

export interface InboundExchange {
  sid: string;
  at: Date;
  from: string;
  body: string;
  /** HTTP status of the webhook's answer; undefined when it could not be reached. */
  status?: number;
  /** The text of the TwiML <Message>, when it answered one. */
  answer?: string;
  error?: string;
}

export interface InboundOptions {
  /** The app's inbound SMS webhook (e.g. <PUBLIC_BASE_URL>/webhooks/sms-inbound); unset: simulation is off. */
  webhookUrl?: string;
  /** The service's number, as the To of the simulated message. */
  serviceNumber: string;
  accountSid: string;
  authToken: string;
  timeoutMs: number;
}

const InboundRequest = z.object({
  from: z.string().trim().regex(/^\+[1-9]\d{1,14}$/, 'an E.164 number, e.g. +84900000101'),
  body: z.string().trim().min(1).max(1600),
});

export class InboundLog {
  private readonly exchanges: InboundExchange[] = [];
  constructor(private readonly capacity: number) {}
  add(e: InboundExchange) {
    this.exchanges.unshift(e);
    this.exchanges.length = Math.min(this.exchanges.length, this.capacity);
  }
  /** Newest first. */
  list(): InboundExchange[] {
    return [...this.exchanges];
  }
}

export async function inboundControl(app: FastifyInstance, log: InboundLog, o: InboundOptions): Promise<void> {
  app.post('/inbound', async (req, reply) => {
    const fromPage = String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
    const parsed = InboundRequest.safeParse(req.body ?? {});
    if (!parsed.success) return reply.code(400).send({ error: z.prettifyError(parsed.error) });
    if (!o.webhookUrl) return reply.code(409).send({ error: 'no inbound webhook URL is configured for this gateway' });
    const exchange = await deliverInbound(o, parsed.data.from, parsed.data.body);
    log.add(exchange);
    // The page's form comes back to the page, where the answer is listed.
    if (fromPage) return reply.redirect('/', 303);
    return reply.code(exchange.status === undefined ? 502 : 200).send({ ...exchange, at: exchange.at.toISOString() });
  });
}

async function deliverInbound(o: InboundOptions, from: string, body: string): Promise<InboundExchange> {
  const sid = newMessageSid();
  const params = { AccountSid: o.accountSid, MessageSid: sid, SmsSid: sid, From: from, To: o.serviceNumber, Body: body, NumMedia: '0', NumSegments: '1', ApiVersion: '2010-04-01' };
  const exchange: InboundExchange = { sid, at: new Date(), from, body };
  try {
    const response = await fetch(o.webhookUrl!, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'TwilioProxy/1.1', [twilio.SIGNATURE_HEADER]: signCallback(o.authToken, o.webhookUrl!, params) },
      body: new URLSearchParams(params).toString(),
      signal: AbortSignal.timeout(o.timeoutMs),
    });
    exchange.status = response.status;
    const answer = messageOf(await response.text());
    if (answer !== undefined) exchange.answer = answer;
  } catch (err) {
    exchange.error = err instanceof Error ? err.message : String(err);
  }
  return exchange;
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** The text of a TwiML answer's first <Message>, unescaped. */
export function messageOf(twiml: string): string | undefined {
  const inner = /<Message(?:\s[^>]*)?>([\s\S]*?)<\/Message>/.exec(twiml)?.[1];
  return inner?.replace(/&(lt|gt|amp|quot|apos);/g, (_, e: string) => ENTITIES[e]!);
}
