/**
 * The coordinator and staff HTTP API. Every API route sits in one encapsulated plugin, behind a
 * hook that checks access before the body is even read. Routes registered outside that plugin
 * (provider callbacks) authenticate by themselves.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest, type onRequestHookHandler } from 'fastify';
import { Authenticator } from '../auth/authenticate';
import { JwtVerifier } from '../auth/jwt';
import { decide, type Permission } from '../auth/matrix';
import { RateLimiter } from '../auth/rate-limit';
import { audit, clientRequestIdOf, createContext, temporalProblem, type ApiContext, type ApiDeps } from './context';
import { SignIn } from './inbox-sign-in';
import { sendLinkPage } from './link-pages';
import { Problem, safeUrl, sendProblem } from './problems';
import { Routes, type RouteSpec } from './routing';
import { actionLinkRoutes } from './routes/action-links';
import { adminRoutes } from './routes/admin';
import { caseRoutes } from './routes/cases';
import { closureRoutes } from './routes/closure';
import { directoryRoutes } from './routes/directory';
import { indicatorRoutes } from './routes/indicators';
import { metricsRoutes } from './routes/metrics';
import { personalDataRoutes } from './routes/personal-data';
import { placementRoutes } from './routes/placements';
import { reportRoutes } from './routes/reports';
import { serviceRoutes } from './routes/service';
import { taskRoutes } from './routes/tasks';
import { smsInboundRoutes } from './routes/sms-inbound';
import { staffPreferenceRoutes } from './routes/staff-preferences';
import { smsStatusRoutes } from './routes/webhooks';

export type { ApiDeps } from './context';

/** Case requests are small; anything larger is a mistake or an attack. */
export const BODY_LIMIT_BYTES = 16 * 1024;

export function buildApi(deps: ApiDeps) {
  const app = createApp(deps);
  acceptJsonOnly(app);
  app.decorateRequest('principal', null);
  answerProblems(app, knownPaths(app));
  addResponseHeaders(app);
  // Provider callbacks register here, outside the authenticated plugin: they check their own signatures.
  if (deps.smsStatus) {
    smsStatusRoutes(app, { temporal: deps.temporal, db: deps.db, ...deps.smsStatus });
    // Replies act as staff through the API's action specs: they need the API's context, not its routes.
    smsInboundRoutes(app, createContext(deps, new Routes(app, [])), deps.smsStatus);
  }
  /** Every API route's spec, filled when the app is ready: the OpenAPI document's (and the tests') source. */
  const specs: RouteSpec[] = [];
  app.register(async (api) => {
    const ctx = createContext(deps, new Routes(api, specs));
    api.addHook('onRequest', accessHook(ctx));
    await registerRoutes(ctx, api);
  });
  return Object.assign(app, { apiSpecs: specs as readonly RouteSpec[] });
}

function createApp(deps: ApiDeps) {
  const logger = deps.logger.child({}, { serializers: { req: requestForLog } }) as FastifyBaseLogger;
  return Fastify({
    loggerInstance: logger,
    bodyLimit: BODY_LIMIT_BYTES,
    genReqId: requestIdOf,
    return503OnClosing: true,
    // Action-link tokens are a few hundred characters; every other path parameter is checked by its schema.
    routerOptions: { maxParamLength: 1100 },
    // Malformed URLs (bad percent-encoding, a parameter too long) are problems too; their text never echoes the URL.
    frameworkErrors: (error, request, reply) =>
      sendProblem(request, reply, new Problem(error.statusCode === 414 ? 414 : 400, 'invalid-request', error.statusCode === 414 ? 'A part of the URL is too long' : 'The URL is not valid')),
  });
}

/** A form or plain-text body is a 415, not a string for the schemas to puzzle over. */
function acceptJsonOnly(app: FastifyInstance) {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'));
}

function answerProblems(app: FastifyInstance, methodsOf: (url: string) => string[]) {
  app.setErrorHandler((error, request, reply) => {
    const problem = problemOf(error, request);
    if (sendLinkPage(request, reply, problem)) return reply;
    return sendProblem(request, reply, problem);
  });
  app.setNotFoundHandler((request, reply) => {
    // A path that exists with other methods: the client used the wrong method, not a wrong path.
    const allowed = methodsOf(request.url);
    if (allowed.length > 0) {
      return sendProblem(request, reply, new Problem(405, 'method-not-allowed', `${request.method} is not allowed here; use ${allowed.join(', ')}`, undefined, { allow: allowed.join(', ') }));
    }
    return sendProblem(request, reply, new Problem(404, 'not-found', `No route ${request.method} ${safeUrl(request.url)}`));
  });
}

/** Every registered route as a pattern, to tell which methods a path takes (for 405 answers). */
function knownPaths(app: FastifyInstance): (url: string) => string[] {
  const routes: { pattern: RegExp; methods: string[] }[] = [];
  app.addHook('onRoute', (route) => {
    const pattern = route.url
      .split('/')
      .map((part) => (part.startsWith(':') ? '[^/]+' : part === '*' ? '.*' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('/');
    routes.push({ pattern: new RegExp(`^${pattern}/?$`), methods: [route.method].flat() });
  });
  return (url) => {
    const pathOnly = url.replace(/\?.*$/, '');
    const methods = routes.filter((r) => r.pattern.test(pathOnly)).flatMap((r) => r.methods);
    return [...new Set(methods)].sort();
  };
}

function addResponseHeaders(app: FastifyInstance) {
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
    reply.header('x-content-type-options', 'nosniff');
    // Action-link tokens are in URLs: no page of ours may leak its URL to another site.
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-frame-options', 'DENY');
    // Responses may carry personal data: no cache keeps them (docs pages set their own).
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
  });
}

/** The order of registration is the order of the OpenAPI document. */
async function registerRoutes(ctx: ApiContext, api: FastifyInstance) {
  serviceRoutes(ctx, packageVersion());
  metricsRoutes(ctx);
  caseRoutes(ctx);
  personalDataRoutes(ctx);
  taskRoutes(ctx);
  indicatorRoutes(ctx);
  reportRoutes(ctx);
  directoryRoutes(ctx);
  placementRoutes(ctx);
  closureRoutes(ctx);
  staffPreferenceRoutes(ctx);
  adminRoutes(ctx);
  await api.register(async (links) => actionLinkRoutes(ctx, links));
}

/**
 * Runs before the body is read: authenticates the caller, applies the rate limit of their key
 * and checks their role against the route's permission.
 */
function accessHook(ctx: ApiContext): onRequestHookHandler {
  const authenticator = new Authenticator(ctx.db.prisma, ctx.security.jwt ? new JwtVerifier(ctx.security.jwt) : null, ctx.now);
  const limiter = new RateLimiter(ctx.security.rateLimitPerMinute);
  const inbox = new SignIn(ctx);
  /**
   * A person signed in to the task inbox may use their own preferences with that session and no
   * bearer credential. Safe from other sites: the cookie is SameSite=Strict and these routes take
   * JSON only, which no cross-site form can send.
   */
  const inboxCaller = async (request: FastifyRequest, access: string | undefined) => {
    if (access !== 'staff-preferences.own' || request.headers.authorization) return null;
    const session = await inbox.session(request);
    return session ? ({ ok: true, principal: session.principal } as const) : null;
  };
  return async (request, reply) => {
    const access = request.routeOptions.config.access;
    if (access === 'public') return;
    if (access === 'action-link' || access === 'inbox') {
      rateLimit(limiter.take(`ip:${request.ip}`));
      return;
    }
    const result = (await inboxCaller(request, access)) ?? (await authenticator.authenticate(request.headers.authorization));
    if (!result.ok) {
      // Guessing keys costs the guesser: failed attempts count against their address.
      rateLimit(limiter.take(`ip:${request.ip}`));
      const headers = result.status === 401 ? { 'www-authenticate': 'Bearer realm="dong-hanh", error="invalid_token"' } : undefined;
      throw new Problem(result.status, result.status === 401 ? 'unauthorized' : 'service-unavailable', result.reason, undefined, headers);
    }
    request.principal = result.principal;
    const rate = limiter.take(`${result.principal.type}:${result.principal.id}`);
    reply.header('ratelimit-limit', String(rate.limit));
    reply.header('ratelimit-remaining', String(rate.remaining));
    rateLimit(rate);
    if (access && decide(result.principal, access as Permission) === 'forbidden') {
      await audit(ctx, request, { action: 'access.denied', outcome: 'denied', detail: { permission: access } });
      throw new Problem(403, 'forbidden', `the ${result.principal.role} role may not use ${access}`);
    }
  };
}

function rateLimit(rate: { allowed: boolean; retryAfterSeconds: number }) {
  if (!rate.allowed) {
    throw new Problem(429, 'rate-limited', `too many requests; retry in ${rate.retryAfterSeconds} s`, undefined, { 'retry-after': String(rate.retryAfterSeconds) });
  }
}

/** Client errors keep their status; unreachable dependencies are 503; anything else is a logged 500. */
function problemOf(error: unknown, request: FastifyRequest): Problem {
  if (error instanceof Problem) return error;
  const status = (error as { statusCode?: number }).statusCode ?? 500;
  if (status === 413) return new Problem(413, 'payload-too-large', `The body may be at most ${BODY_LIMIT_BYTES} bytes`);
  if (status === 415) return new Problem(415, 'unsupported-media-type', 'Send the body as application/json');
  // Parser messages can quote the body (which may hold personal data): answer with fixed words.
  if (status >= 400 && status < 500) return new Problem(status, 'invalid-request', error instanceof SyntaxError || String((error as { code?: string }).code).includes('JSON') ? 'The body is not valid JSON' : 'The request is not valid');
  const temporal = temporalProblem(error, '', 'action');
  if (temporal && temporal.status === 503) return temporal;
  if (isDatabaseUnavailable(error)) return new Problem(503, 'service-unavailable', 'the database is not reachable; try again', undefined, { 'retry-after': '5' });
  request.log.error({ err: error }, 'request failed');
  return new Problem(500, 'internal-error', 'The request could not be completed; it has been logged');
}

function isDatabaseUnavailable(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === 'P1001' || code === 'P1002' || code === 'P1008' || code === 'P1017' || code === 'SQLITE_BUSY' || code === 'ECONNREFUSED';
}

/**
 * Our own id for every request: a caller's X-Request-Id could otherwise collide with, or pose as,
 * another request's in the audit log. The caller's value is kept beside it (clientRequestIdOf).
 */
function requestIdOf(): string {
  return randomUUID();
}

/** What a request log line says about the request: never a link token, a query value or a header other than the caller's request id. */
function requestForLog(req: { method: string; url: string; ip?: string; headers?: Record<string, string | string[] | undefined> }) {
  const clientRequestId = clientRequestIdOf(req.headers ?? {});
  return { method: req.method, url: safeUrl(req.url.replace(/\?.*$/, '')), remoteAddress: req.ip, ...(clientRequestId ? { clientRequestId } : {}) };
}

let version: string | undefined;
function packageVersion(): string {
  if (version) return version;
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) return (version = (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version);
    if (path.dirname(dir) === dir) return (version = '0.0.0');
  }
}
