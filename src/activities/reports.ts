/** The programme report activity: a thin adapter to src/reports/mail.ts, retried on transient send failures. */
import { loadPolicy } from '../policy';
import { sendProgrammeReports, type ReportMailDeps, type ReportMailInput, type ReportMailResult } from '../reports/mail';
import { retryable } from './retryable';

export type { ReportMailResult } from '../reports/mail';

export function reportActivities(deps: Omit<ReportMailDeps, 'policy'> & { policy?: ReportMailDeps['policy'] }) {
  // Without a configured policy (tests), the built-in one says which tasks count.
  const policy = deps.policy ?? loadPolicy('default');
  return {
    async sendProgrammeReports(input: ReportMailInput): Promise<ReportMailResult> {
      return retryable(() => sendProgrammeReports({ ...deps, policy }, input));
    },
  };
}
