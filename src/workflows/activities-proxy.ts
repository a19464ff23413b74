/**
 * Every activity as the workflows call it, with its timeout and retry policy. Changing an option
 * here changes the commands running journeys replay, so keep them as they are unless you mean it.
 */
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

/** Database writes and directory look-ups: idempotent, so retried until they succeed. */
export const activities = proxyActivities<Pick<Activities, 'openTask' | 'openStage' | 'placeTask' | 'syncJourney' | 'reservePlace' | 'choosePlace' | 'occupyPlace' | 'releasePlaces'>>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/**
 * The same writes as local activities (journeys since `local-writes`, journey.ts): run by the worker
 * that runs the workflow task, their results recorded in its completion, so an opening or a ladder
 * step costs no task-queue round trip and no workflow task more per write.
 */
export const localWrites = proxyLocalActivities<Pick<Activities, 'openStage' | 'syncJourney'>>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

const sendOptions = {
  startToCloseTimeout: '2 minutes',
  // Transient send failures retry for as long as it takes; the provider's Retry-After overrides the backoff.
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' },
} as const;

export const { notifyEscalation } = proxyActivities<Pick<Activities, 'notifyEscalation'>>(sendOptions);

/**
 * The same send, heartbeating while it runs (src/activities/escalations.ts): a worker that dies
 * mid-send is noticed within the heartbeat timeout and the step is retried elsewhere, instead of
 * waiting out the 2 minutes. Journeys use it since `notify-heartbeat` (notifications.ts).
 */
export const { notifyEscalation: notifyEscalationHeartbeating } = proxyActivities<Pick<Activities, 'notifyEscalation'>>({ ...sendOptions, heartbeatTimeout: '15 seconds' });

export const { sendDailyDigests } = proxyActivities<Pick<Activities, 'sendDailyDigests'>>({
  // One run emails every province's managers: slower than one write, and a mail server that is down
  // for a while must not lose the day's digest (each email is keyed, so a retry sends only what is missing).
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' },
});

export const { sendProgrammeReports } = proxyActivities<Pick<Activities, 'sendProgrammeReports'>>({
  // As the digest: every manager's email in one run; a retry sends only what is missing.
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' },
});

/**
 * The journey's policy body, read once per run from the database (a local activity: no task queue
 * round trip, its result recorded in history once). Retried while the database is unreachable.
 */
export const { resolvePolicy } = proxyLocalActivities<Pick<Activities, 'resolvePolicy'>>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});
