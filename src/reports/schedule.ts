/**
 * The Temporal Schedule that runs the programme report workflow (weekly by default,
 * PROGRAMME_REPORT). Created at start-up, idempotently: an existing schedule is brought up to the
 * configured calendar, period and task queue instead of failing.
 */
import { ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';
import { ensureSchedule } from '../temporal/schedules';

export const PROGRAMME_REPORT_SCHEDULE_ID = 'programme-report';
export const PROGRAMME_REPORT_WORKFLOW = 'programmeReport';

export interface ProgrammeReportScheduleOptions {
  taskQueue: string;
  /** Five-field cron in `timeZone`, e.g. "0 7 * * 1" (Mondays 07:00). */
  cron: string;
  timeZone: string;
  /** The whole days before the run's day that each report covers. */
  days: number;
  scheduleId?: string;
}

export async function ensureProgrammeReportSchedule(client: Client, opts: ProgrammeReportScheduleOptions): Promise<{ scheduleId: string; created: boolean }> {
  const scheduleId = opts.scheduleId ?? PROGRAMME_REPORT_SCHEDULE_ID;
  const options = {
    scheduleId,
    spec: { cronExpressions: [opts.cron], timezone: opts.timeZone },
    action: {
      type: 'startWorkflow',
      workflowType: PROGRAMME_REPORT_WORKFLOW,
      taskQueue: opts.taskQueue,
      workflowId: `${scheduleId}-run`,
      args: [{ days: opts.days }],
      // A run stuck on a mail server that stays down gives way to the next one.
      workflowExecutionTimeout: '20 hours',
    },
    // A report still running, or missed during a short outage, is not doubled.
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '6 hours' },
  } satisfies ScheduleOptions;
  return ensureSchedule(client, options);
}
