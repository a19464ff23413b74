/**
 * Notification activities: thin adapters from Temporal to src/notifications. They read the
 * attempt number and turn a transient send failure into a retryable failure that honours the
 * provider's Retry-After; everything else lives in the delivery and digest modules. With
 * `metrics`, the escalation step and its failed messages are counted from the outbox rows the
 * call changed, whether it ended well or not: a retry or a resumed step counts only what is new.
 */
import { Context } from '@temporalio/activity';
import type { Database } from '../db/client';
import { stepKeyPrefix, type EscalationNotice, type EscalationReport } from '../journey/notices';
import type { ServiceMetrics } from '../metrics/service-metrics';
import { deliverEscalation, type DeliveryDeps } from '../notifications/delivery';
import { sendDailyDigests, type DigestDeps, type DigestReport } from '../notifications/digest';
import { retryable } from './retryable';

export type { EscalationNotice, EscalationReport } from '../journey/notices';
export type { DigestReport } from '../notifications/digest';
export { TRANSIENT_SEND_FAILURE } from './retryable';

type Deps = DeliveryDeps & Omit<DigestDeps, 'taskTitle'> & { taskTitle?: DigestDeps['taskTitle']; metrics?: ServiceMetrics };

export function escalationActivities(deps: Deps) {
  return {
    async notifyEscalation(notice: EscalationNotice): Promise<EscalationReport> {
      const deliver = () => retryable(() => deliverEscalation(deps, notice, currentAttempt()));
      return heartbeating(() => (deps.metrics ? counted(deps.db, deps.metrics, notice, deliver) : deliver()));
    },

    async sendDailyDigests(input: { until: string }): Promise<DigestReport> {
      return retryable(() => sendDailyDigests({ ...deps, taskTitle: deps.taskTitle ?? ((key) => ({ vi: key, en: key })) }, input));
    },
  };
}

const FINAL = ['sent', 'delivered', 'failed'];

async function counted<T>(db: Database, metrics: ServiceMetrics, notice: EscalationNotice, deliver: () => Promise<T>): Promise<T> {
  const before = await finalRows(db, notice);
  try {
    return await deliver();
  } finally {
    const after = await finalRows(db, notice).catch(() => before);
    if (before.size === 0 && after.size > 0) metrics.escalations.inc({ step: String(notice.level) });
    for (const [id, row] of after) {
      if (row.status === 'failed' && before.get(id)?.status !== 'failed') metrics.notificationFailures.inc({ channel: row.channel, reason: (row.error ?? 'unknown').split(':')[0]! });
    }
  }
}

/** The step's messages that went out or failed for good, by id. */
async function finalRows(db: Database, notice: EscalationNotice) {
  const rows = await db.prisma.notification.findMany({ where: { taskId: notice.task.id, id: { startsWith: stepKeyPrefix(notice) }, status: { in: FINAL } }, select: { id: true, status: true, channel: true, error: true } });
  return new Map(rows.map((r) => [r.id, r]));
}

/**
 * Heartbeats while `run` runs, when the workflow gave a heartbeat timeout: the beats say this
 * worker is alive, so the server retries the send elsewhere soon after a crash. A slow send is not
 * cut short by it; the start-to-close timeout bounds that.
 */
async function heartbeating<T>(run: () => Promise<T>): Promise<T> {
  let context: Context | undefined;
  try {
    context = Context.current();
  } catch {
    // called outside an activity (a direct test call)
  }
  const timeoutMs = context?.info.heartbeatTimeoutMs;
  if (!context || !timeoutMs) return run();
  const beat = setInterval(() => context.heartbeat(), Math.max(1000, timeoutMs / 3));
  try {
    return await run();
  } finally {
    clearInterval(beat);
  }
}

function currentAttempt(): number {
  try {
    return Context.current().info.attempt;
  } catch {
    return 1; // called outside an activity (a direct test call)
  }
}
