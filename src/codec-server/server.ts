/**
 * The codec server the Temporal Web UI (and `temporal --codec-endpoint`) decodes payloads through:
 * `POST /decode` and `POST /encode` (also under `/<namespace>/…`), the Temporal codec-server
 * protocol, with the service's payload codec. It runs beside the API (SERVICE_ROLE api or all) on
 * its own port, because the browser calls it directly from the UI's origin.
 *
 * - CORS: only the configured UI origins get CORS headers (preflight included); a browser request
 *   from any other origin is refused before anything is decoded.
 * - Authentication: a bearer token exactly as for the API (API key or JWT; the UI passes the
 *   signed-in user's token). Without one, only a caller on this machine, and only when
 *   CODEC_SERVER_LOOPBACK_WITHOUT_TOKEN says so (the local setup's default).
 * - Who: managers, coordinators and admins watch journeys; staff act through the API and inbox.
 * - Every decode is audited: who, the namespace, and the workflow when the request names it
 *   (`X-Workflow-Id`; the UI does not send one), how many payloads, with which key ids.
 */
import type { PayloadCodec } from '@temporalio/common';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import type { AuditLog } from '../audit/audit-log';
import type { Authenticator } from '../auth/authenticate';
import { RateLimiter } from '../auth/rate-limit';
import type { ApiRole, Principal } from '../auth/principal';
import { isLoopbackHost } from '../config';
import type { Logger } from '../logger';
import { KEY_ID_METADATA } from '../temporal/codec';
import { Problem, fieldProblems, sendProblem } from '../api/problems';
import { PayloadsBody, fromPayloadsJson, toPayloadsJson } from './payloads-json';

/** Roles that may read decoded histories (see the module comment). */
export const MAY_USE_CODEC: readonly ApiRole[] = ['manager', 'coordinator', 'admin'];

/** Histories carry whole policies and task lists: a few MiB per request. */
export const CODEC_BODY_LIMIT_BYTES = 8 * 1024 * 1024;

const NAMESPACE = /^[A-Za-z0-9._-]{1,255}$/;
const WORKFLOW_ID = /^[\x21-\x7e]{1,255}$/;
const JOURNEY_ID = /^journey-(.+)$/;

export interface CodecServerDeps {
  codec: PayloadCodec;
  authenticator: Authenticator;
  audit: AuditLog;
  allowedOrigins: readonly string[];
  loopbackWithoutToken: boolean;
  /** The namespace a request means when it names none (X-Namespace or the path). */
  defaultNamespace: string;
  /** As the API's: requests per minute per credential, and failed attempts per client address. */
  rateLimitPerMinute: number;
  logger: Logger;
}

export function buildCodecServer(deps: CodecServerDeps) {
  const app = Fastify({ loggerInstance: deps.logger, bodyLimit: CODEC_BODY_LIMIT_BYTES, return503OnClosing: true });
  const allowed = new Set(deps.allowedOrigins);
  const limiter = new RateLimiter(deps.rateLimitPerMinute);

  app.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin;
    if (origin === undefined) return; // not a browser (CLI, curl): CORS does not apply
    if (!allowed.has(origin)) throw new Problem(403, 'forbidden', `origin ${origin} may not call the codec server (CODEC_SERVER_ALLOWED_ORIGINS)`);
    reply.header('access-control-allow-origin', origin).header('vary', 'Origin').header('access-control-allow-credentials', 'true');
    if (request.method === 'OPTIONS') {
      reply
        .header('access-control-allow-methods', 'POST')
        .header('access-control-allow-headers', 'authorization, content-type, x-namespace, x-workflow-id')
        .header('access-control-max-age', '600')
        .code(204)
        .send();
    }
  });

  const handle = (operation: 'encode' | 'decode') => async (request: FastifyRequest<{ Params: { namespace?: string } }>, reply: FastifyReply) => {
    const principal = await authenticate(deps, limiter, request);
    const namespace = namespaceOf(request, deps.defaultNamespace);
    const workflowId = workflowIdOf(request);
    const parsed = PayloadsBody.safeParse(request.body);
    if (!parsed.success) throw new Problem(400, 'invalid-request', 'the body must be {"payloads":[{"metadata":{…},"data":"<base64>"}]}', fieldProblems(parsed.error));
    const payloads = fromPayloadsJson(parsed.data);
    if (operation === 'encode') return reply.send(toPayloadsJson(await deps.codec.encode(payloads)));

    const keyIds = [...new Set(payloads.map((p) => p.metadata?.[KEY_ID_METADATA]).filter((v) => v !== undefined).map((v) => Buffer.from(v!).toString('utf8')))];
    const entry = {
      action: 'temporal-payloads.decode',
      caseCode: workflowId ? (JOURNEY_ID.exec(workflowId)?.[1] ?? null) : null,
      target: workflowId,
      detail: { namespace, workflowId, payloads: payloads.length, keyIds, credential: principal ? principal.type : 'loopback-without-token' },
    };
    const context = { principal, requestId: request.id };
    let decoded;
    try {
      decoded = await deps.codec.decode(payloads);
    } catch (error) {
      await deps.audit.append(context, { ...entry, outcome: 'failed' });
      // The codec's messages name key ids and never data.
      throw new Problem(422, 'invalid-request', error instanceof Error ? error.message : 'the payloads could not be decoded');
    }
    // Recorded before the answer leaves: no decoded payload without its audit row.
    await deps.audit.append(context, { ...entry, outcome: 'ok' });
    return reply.send(toPayloadsJson(decoded));
  };

  for (const prefix of ['', '/:namespace']) {
    app.post(`${prefix}/decode`, handle('decode'));
    app.post(`${prefix}/encode`, handle('encode'));
    // Preflights are answered by the hook above for allowed origins; without an Origin there is nothing to allow.
    for (const operation of ['decode', 'encode']) app.options(`${prefix}/${operation}`, async (_request, reply) => reply.code(204).send());
  }
  app.setNotFoundHandler((request, reply) => sendProblem(request, reply, new Problem(404, 'not-found', 'the codec server answers POST /decode and POST /encode')));
  app.setErrorHandler((error, request, reply) => {
    if (error instanceof Problem) return sendProblem(request, reply, error);
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    if (status === 413) return sendProblem(request, reply, new Problem(413, 'payload-too-large', `the body may be at most ${CODEC_BODY_LIMIT_BYTES} bytes`));
    if (status === 415) return sendProblem(request, reply, new Problem(415, 'unsupported-media-type', 'send the body as application/json'));
    if (status >= 400 && status < 500) return sendProblem(request, reply, new Problem(400, 'invalid-request', 'the body is not valid JSON'));
    request.log.error({ err: error }, 'codec server failed');
    return sendProblem(request, reply, new Problem(500, 'internal-error', 'the codec server failed; see its log'));
  });
  return app;
}

/** The caller, or null for a loopback caller without a token where the config allows that. */
async function authenticate(deps: CodecServerDeps, limiter: RateLimiter, request: FastifyRequest): Promise<Principal | null> {
  const header = request.headers.authorization;
  const address = request.socket.remoteAddress ?? '';
  if (header === undefined && deps.loopbackWithoutToken && isLoopbackHost(address)) return null;
  const result = await deps.authenticator.authenticate(header);
  // Guessing credentials costs the guesser, as on the API; a valid credential has its own budget.
  const rate = limiter.take(result.ok ? `${result.principal.type}:${result.principal.id}` : `ip:${address}`);
  if (!rate.allowed) throw new Problem(429, 'rate-limited', `too many requests; retry in ${rate.retryAfterSeconds} s`, undefined, { 'retry-after': String(rate.retryAfterSeconds) });
  if (!result.ok) {
    const headers = result.status === 401 ? { 'www-authenticate': 'Bearer realm="dong-hanh-codec"' } : undefined;
    throw new Problem(result.status, result.status === 401 ? 'unauthorized' : 'service-unavailable', result.reason, undefined, headers);
  }
  if (!MAY_USE_CODEC.includes(result.principal.role)) {
    await deps.audit.append({ principal: result.principal, requestId: request.id }, { action: 'access.denied', outcome: 'denied', detail: { permission: 'temporal-payloads.decode' } });
    throw new Problem(403, 'forbidden', `the ${result.principal.role} role may not read Temporal payloads`);
  }
  return result.principal;
}

function namespaceOf(request: FastifyRequest<{ Params: { namespace?: string } }>, fallback: string): string {
  const named = request.params.namespace ?? headerOf(request, 'x-namespace') ?? fallback;
  if (!NAMESPACE.test(named)) throw new Problem(400, 'invalid-request', 'X-Namespace (or the path) is not a namespace name');
  return named;
}

function workflowIdOf(request: FastifyRequest): string | null {
  const id = headerOf(request, 'x-workflow-id');
  if (id === undefined) return null;
  if (!WORKFLOW_ID.test(id)) throw new Problem(400, 'invalid-request', 'X-Workflow-Id is not a workflow id');
  return id;
}

function headerOf(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
