/**
 * Notification activities: thin adapters from Temporal to src/notifications. They read the
 * attempt number and turn a transient send failure into a retryable failure that honours the
 * provider's Retry-After; everything else lives in the delivery and digest modules.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { EscalationNotice, EscalationReport } from '../journey/notices';
import { deliverEscalation, type DeliveryDeps } from '../notifications/delivery';
import { sendDailyDigests, type DigestDeps, type DigestReport } from '../notifications/digest';
import { TransientSendError } from '../notifications/outbox';

export type { EscalationNotice, EscalationReport } from '../journey/notices';
export type { DigestReport } from '../notifications/digest';

/** The failure type a transient send error becomes (retried with backoff, never given up on). */
export const TRANSIENT_SEND_FAILURE = 'TransientSendFailure';

export function escalationActivities(deps: DeliveryDeps & Omit<DigestDeps, 'taskTitle'> & { taskTitle?: DigestDeps['taskTitle'] }) {
  return {
    async notifyEscalation(notice: EscalationNotice): Promise<EscalationReport> {
      return retryable(() => deliverEscalation(deps, notice, currentAttempt()));
    },

    async sendDailyDigests(input: { until: string }): Promise<DigestReport> {
      return retryable(() => sendDailyDigests({ ...deps, taskTitle: deps.taskTitle ?? ((key) => ({ vi: key, en: key })) }, input));
    },
  };
}

function currentAttempt(): number {
  try {
    return Context.current().info.attempt;
  } catch {
    return 1; // called outside an activity (a direct test call)
  }
}

async function retryable<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof TransientSendError) {
      throw ApplicationFailure.create({
        type: TRANSIENT_SEND_FAILURE,
        message: error.message,
        // The provider's Retry-After, when it gave one; else the activity's backoff.
        ...(error.retryAfterMs !== undefined ? { nextRetryDelay: Math.max(1000, error.retryAfterMs) } : {}),
      });
    }
    throw error;
  }
}
