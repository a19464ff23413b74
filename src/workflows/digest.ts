/**
 * The daily digest, started by a Temporal Schedule (src/notifications/digest-schedule.ts): one
 * activity emails each province manager one summary of the last 24 hours, up to the workflow's
 * own clock. Safe to run twice for the same day: each email is keyed per province, day and manager.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { DigestReport } from '../notifications/digest';

const { sendDailyDigests } = proxyActivities<Pick<Activities, 'sendDailyDigests'>>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' },
});

export async function dailyDigest(input: { until?: string } = {}): Promise<DigestReport> {
  return sendDailyDigests({ until: input.until ?? new Date(Date.now()).toISOString() });
}
