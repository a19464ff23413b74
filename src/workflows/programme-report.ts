/**
 * The programme report, started by a Temporal Schedule (src/reports/schedule.ts): one activity
 * emails each manager the report of the last `days` whole days before the workflow's own clock.
 * Safe to run twice the same day: each email is keyed per scope, period and manager.
 */
import type { ReportMailResult } from '../reports/mail';
import { sendProgrammeReports } from './activities-proxy';

export async function programmeReport(input: { days: number; until?: string }): Promise<ReportMailResult> {
  return sendProgrammeReports({ days: input.days, until: input.until ?? new Date(Date.now()).toISOString() });
}
