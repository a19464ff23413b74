/**
 * The daily digest, started by a Temporal Schedule (src/notifications/digest-schedule.ts): one
 * activity emails each province manager one summary of the last 24 hours, up to the workflow's
 * own clock. Safe to run twice for the same day: each email is keyed per province, day and manager.
 */
import type { DigestReport } from '../notifications/digest';
import { sendDailyDigests } from './activities-proxy';

export async function dailyDigest(input: { until?: string } = {}): Promise<DigestReport> {
  return sendDailyDigests({ until: input.until ?? new Date(Date.now()).toISOString() });
}
