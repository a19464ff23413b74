/**
 * POST /webhooks/sms-status: Twilio's (or the local gateway's) delivery status callbacks. Public,
 * but every request must carry a valid X-Twilio-Signature (HMAC-SHA1 of the exact public URL plus
 * the sorted form fields, keyed with the auth token): a missing or wrong one is a 403 and changes
 * nothing. A valid report updates the notification log; one that turns a sent SMS into an
 * undelivered one signals the journey, which falls back to email or to the next person. A replayed
 * report changes nothing and signals nothing. Each client address has a rate, as API callers do.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import twilio from 'twilio';
import { z } from 'zod';
import type { Database } from '../../db/client';
import { RateLimiter } from '../../auth/rate-limit';
import { applySmsStatus, SMS_STATUS_PATH, undoSmsStatus } from '../../notifications/sms-status';
import { notificationFailedSignal, type EscalationPhase } from '../../journey/definitions';
import type { ServiceMetrics } from '../../metrics/service-metrics';
import { Problem, sendProblem } from '../problems';

export { SMS_STATUS_PATH };

export interface SmsStatusDeps {
  temporal: Client;
  db: Database;
  /** Twilio auth token: the signing key. */
  authToken: string;
  /** The public origin Twilio posts to (config api.publicBaseUrl): signatures cover the exact URL. */
  publicBaseUrl: string;
  /** Callbacks per minute per client address (default 600). */
  rateLimitPerMinute?: number;
  /** Counts an SMS the provider reported undelivered, once (a replayed report changes nothing). */
  metrics?: Pick<ServiceMetrics, 'notificationFailures'>;
}

const DEFAULT_RATE_PER_MINUTE = 600;

const StatusForm = z.object({
  MessageSid: z.string().regex(/^(SM|MM)[0-9a-fA-F]{32}$/),
  MessageStatus: z.string().min(1).max(32),
  ErrorCode: z.coerce.number().int().optional(),
});

type StatusRequest = FastifyRequest<{ Querystring: { n?: string }; Body: Record<string, string> }>;
type Applied = Awaited<ReturnType<typeof applySmsStatus>>;

/** What every provider webhook's scope needs: a rate per client address and Twilio's form bodies. */
export function providerWebhookScope(scope: FastifyInstance, rateLimitPerMinute = DEFAULT_RATE_PER_MINUTE) {
  const limiter = new RateLimiter(rateLimitPerMinute);
  // Before the body is read: a flood costs the flooder, not the database or the journeys.
  scope.addHook('onRequest', async (request) => {
    const rate = limiter.take(`ip:${request.ip}`);
    if (!rate.allowed) {
      throw new Problem(429, 'rate-limited', `too many requests; retry in ${rate.retryAfterSeconds} s`, undefined, { 'retry-after': String(rate.retryAfterSeconds) });
    }
  });
  // Twilio posts forms; the rest of the API takes JSON only.
  scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 8 * 1024 }, (_req, body, done) => {
    const params: Record<string, string> = {};
    for (const [k, v] of new URLSearchParams(body as string)) params[k] ??= v;
    done(null, params);
  });
}

/** A form signed by Twilio (or the local gateway) for the exact public URL it was posted to. */
export function signedByTwilio(authToken: string, publicBaseUrl: string, request: FastifyRequest, params: Record<string, string>): boolean {
  const signature = request.headers[twilio.SIGNATURE_HEADER.toLowerCase()];
  const url = `${publicBaseUrl.replace(/\/+$/, '')}${request.url}`;
  return typeof signature === 'string' && twilio.validateRequest(authToken, signature, url, params);
}

export function smsStatusRoutes(app: FastifyInstance, deps: SmsStatusDeps) {
  void app.register(async (scope) => {
    providerWebhookScope(scope, deps.rateLimitPerMinute);
    scope.post<{ Querystring: { n?: string }; Body: Record<string, string> }>(SMS_STATUS_PATH, (request, reply) => smsStatus(deps, request, reply));
  });
}

async function smsStatus(deps: SmsStatusDeps, request: StatusRequest, reply: FastifyReply) {
  const params = request.body && typeof request.body === 'object' ? request.body : {};
  if (!signedByTwilio(deps.authToken, deps.publicBaseUrl, request, params)) {
    request.log.warn({ path: SMS_STATUS_PATH }, 'SMS status callback with a missing or wrong signature refused');
    return sendProblem(request, reply, new Problem(403, 'action-refused', 'The X-Twilio-Signature header is missing or does not match'));
  }
  const form = StatusForm.safeParse(params);
  if (!form.success) return sendProblem(request, reply, new Problem(400, 'invalid-request', 'Not a message status callback'));

  const applied = await applySmsStatus(deps.db, {
    notificationId: typeof request.query.n === 'string' ? request.query.n : undefined,
    sid: form.data.MessageSid,
    status: form.data.MessageStatus,
    errorCode: form.data.ErrorCode,
  });
  request.log.info({ notification: applied.notification?.id, status: form.data.MessageStatus, changed: applied.changed }, 'SMS status');
  if (!(await tellJourney(deps, request, applied))) {
    // Undone, so the provider's retry of this callback is a change again and tells the journey then.
    await undoSmsStatus(deps.db, applied);
    return sendProblem(request, reply, new Problem(503, 'service-unavailable', 'The status was recorded but the journey could not be told; retry'));
  }
  if (applied.failed && applied.notification) deps.metrics?.notificationFailures.inc({ channel: 'sms', reason: applied.reason ?? 'sms-failed' });
  return reply.code(204).send();
}

/** Signals the journey when a task's SMS turned out undelivered; false if it could not be told. */
async function tellJourney(deps: SmsStatusDeps, request: StatusRequest, applied: Applied): Promise<boolean> {
  const n = applied.notification;
  if (!applied.failed || !n || (n.phase !== 'acknowledge' && n.phase !== 'complete')) return true;
  try {
    await deps.temporal.workflow.getHandle(n.workflowId).signal(notificationFailedSignal, {
      notificationId: n.id,
      taskId: n.taskId,
      phase: n.phase as EscalationPhase,
      level: n.level,
      recipientId: n.recipientId,
      channel: 'sms',
      reason: applied.reason ?? 'sms-undelivered',
    });
  } catch (error) {
    // The journey ended: nobody needs reaching any more.
    if (error instanceof WorkflowNotFoundError) return true;
    request.log.error({ err: error, notification: n.id }, 'could not tell the journey about an undelivered SMS');
    return false;
  }
  return true;
}
