/** The part of Twilio's REST API the app uses: create, fetch and list Messages (API version 2010-04-01). */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { countSmsSegments } from '../../transports/twilio';
import type { Carrier } from './carrier';
import { apiErrors, TwilioApiError } from './errors';
import type { SmsGatewayEmitter } from './events';
import type { Faults } from './faults';
import { API_VERSION, newMessageSid, toResource, type SmsMessage } from './message';
import type { MessageStore } from './store';

export interface TwilioApiDeps {
  accountSid: string;
  authToken: string;
  store: MessageStore;
  faults: Faults;
  carrier: Carrier;
  events: SmsGatewayEmitter;
}

const E164 = /^\+[1-9]\d{1,14}$/;
// An alphanumeric sender ID: up to 11 letters, digits and spaces, at least one letter.
const ALPHANUMERIC_SENDER = /^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$/;
const MAX_BODY_CHARS = 1600;

type AccountParams = { Params: { accountSid: string } };

export async function twilioApi(app: FastifyInstance, deps: TwilioApiDeps): Promise<void> {
  app.setErrorHandler<FastifyError>((err, _req, reply) => {
    // Fastify's own failures (unsupported media type, unparsable body) also answer in Twilio's format.
    const status = err.statusCode ?? 500;
    const apiError = err instanceof TwilioApiError ? err : new TwilioApiError(status, status >= 500 ? 20500 : 20001, err.message);
    void reply.code(apiError.status).headers(apiError.headers).send(apiError.body);
  });
  app.setNotFoundHandler((req) => {
    throw apiErrors.notFound(req.url.split('?')[0] ?? req.url);
  });

  app.addHook('preValidation', async (req) => {
    deps.events.emit('request', {
      method: req.method,
      path: req.url.split('?')[0] ?? req.url,
      contentType: req.headers['content-type'],
      params: { ...(req.body as Record<string, unknown> | undefined) },
      query: { ...(req.query as Record<string, unknown> | undefined) },
    });
  });
  app.addHook('preHandler', async (req: FastifyRequest<AccountParams>, reply) => {
    if (!isAuthorized(req.headers.authorization, deps)) {
      void reply.header('WWW-Authenticate', 'Basic realm="Twilio API"');
      throw apiErrors.authenticate();
    }
    if (req.params.accountSid !== deps.accountSid) throw apiErrors.notFound(req.url);
    const fault = deps.faults.takeApiFault();
    if (fault) throw fault;
  });

  app.post<AccountParams>('/Accounts/:accountSid/Messages.json', async (req, reply) => {
    const message = acceptMessage((req.body ?? {}) as Record<string, unknown>, deps);
    const resource = toResource(message);
    deps.store.add(message);
    deps.events.emit('message', message);
    deps.carrier.dispatch(message);
    return reply.code(201).send(resource);
  });

  /** The Messages list (newest first), filtered by To/From, paged as Twilio pages it. */
  app.get<AccountParams & { Querystring: Record<string, string | undefined> }>('/Accounts/:accountSid/Messages.json', async (req) => {
    const { To: to, From: from } = req.query;
    const pageSize = Math.min(1000, Math.max(1, Number(req.query.PageSize ?? 50) || 50));
    const page = Math.max(0, Number(req.query.Page ?? 0) || 0);
    const matching = deps.store.list().filter((m) => (to === undefined || m.to === to) && (from === undefined || m.from === from));
    const start = page * pageSize;
    const messages = matching.slice(start, start + pageSize).map(toResource);
    const base = `/${API_VERSION}/Accounts/${deps.accountSid}/Messages.json`;
    const uri = (p: number) => `${base}?${new URLSearchParams({ ...(to && { To: to }), ...(from && { From: from }), PageSize: String(pageSize), Page: String(p) })}`;
    return {
      messages,
      end: start + Math.max(messages.length - 1, 0),
      first_page_uri: uri(0),
      next_page_uri: start + pageSize < matching.length ? uri(page + 1) : null,
      page,
      page_size: pageSize,
      previous_page_uri: page > 0 ? uri(page - 1) : null,
      start,
      uri: uri(page),
    };
  });

  app.get<{ Params: { accountSid: string; file: string } }>('/Accounts/:accountSid/Messages/:file', async (req) => {
    const sid = req.params.file.endsWith('.json') ? req.params.file.slice(0, -'.json'.length) : undefined;
    const message = sid === undefined ? undefined : deps.store.get(sid);
    if (!message) throw apiErrors.notFound(req.url);
    return toResource(message);
  });
}

/** Validates the form the way Twilio does, in Twilio's order; throws the matching Twilio error. */
function acceptMessage(form: Record<string, unknown>, deps: TwilioApiDeps): SmsMessage {
  const to = field(form, 'To');
  const from = field(form, 'From') ?? null;
  const messagingServiceSid = field(form, 'MessagingServiceSid') ?? null;
  const body = field(form, 'Body');
  const statusCallback = field(form, 'StatusCallback') ?? null;

  if (!to) throw apiErrors.missingTo();
  if (!E164.test(to)) throw apiErrors.invalidTo(to);
  if (from === null && messagingServiceSid === null) throw apiErrors.missingFrom();
  if (from !== null && !E164.test(from) && !ALPHANUMERIC_SENDER.test(from)) throw apiErrors.invalidFrom(from);
  if (!body) throw apiErrors.missingBody();
  if (body.length > MAX_BODY_CHARS) throw apiErrors.bodyTooLong();
  if (statusCallback !== null && !isHttpUrl(statusCallback)) throw apiErrors.invalidStatusCallback();
  if (deps.faults.isUnsubscribed(to)) throw apiErrors.unsubscribed();

  const { encoding, segments } = countSmsSegments(body);
  const now = new Date();
  return {
    sid: newMessageSid(),
    accountSid: deps.accountSid,
    to,
    from,
    messagingServiceSid,
    body,
    encoding,
    numSegments: segments,
    status: 'queued',
    errorCode: null,
    statusCallback,
    dateCreated: now,
    dateUpdated: now,
    dateSent: null,
    callbacks: [],
  };
}

/** A repeated form field counts by its first value, as an absent one by undefined. */
function field(form: Record<string, unknown>, name: string): string | undefined {
  const value = form[name];
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first : undefined;
}

function isHttpUrl(value: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

function isAuthorized(header: string | undefined, deps: TwilioApiDeps): boolean {
  if (!header?.startsWith('Basic ')) return false;
  const credentials = Buffer.from(header.slice('Basic '.length), 'base64').toString('utf8');
  const colon = credentials.indexOf(':');
  if (colon < 0) return false;
  const sidOk = sameSecret(credentials.slice(0, colon), deps.accountSid);
  const tokenOk = sameSecret(credentials.slice(colon + 1), deps.authToken);
  return sidOk && tokenOk;
}

// Hash first so the comparison is constant-time whatever the lengths.
const digest = (s: string) => createHash('sha256').update(s).digest();
const sameSecret = (a: string, b: string) => timingSafeEqual(digest(a), digest(b));
