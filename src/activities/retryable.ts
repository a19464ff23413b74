/** A transient send error as the retryable failure Temporal retries with backoff (or the provider's Retry-After). */
import { ApplicationFailure } from '@temporalio/common';
import { TransientSendError } from '../notifications/outbox';

/** The failure type a transient send error becomes (retried with backoff, never given up on). */
export const TRANSIENT_SEND_FAILURE = 'TransientSendFailure';

export async function retryable<T>(fn: () => Promise<T>): Promise<T> {
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
