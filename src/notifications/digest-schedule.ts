/**
 * The Temporal Schedule that runs the daily digest workflow. Created at start-up, idempotently:
 * an existing schedule is brought up to the configured time and task queue instead of failing.
 */
import { ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';
import { ensureSchedule } from '../temporal/schedules';
import { minutesOfDay } from './quiet-hours';

export const DIGEST_SCHEDULE_ID = 'daily-digest';
export const DIGEST_WORKFLOW = 'dailyDigest';

export interface DigestScheduleOptions {
  taskQueue: string;
  /** Local time of day, "HH:MM". */
  at: string;
  timeZone: string;
  scheduleId?: string;
}

export async function ensureDigestSchedule(client: Client, opts: DigestScheduleOptions): Promise<{ scheduleId: string; created: boolean }> {
  const scheduleId = opts.scheduleId ?? DIGEST_SCHEDULE_ID;
  const minutes = minutesOfDay(opts.at);
  const options = {
    scheduleId,
    spec: { calendars: [{ hour: Math.floor(minutes / 60), minute: minutes % 60 }], timezone: opts.timeZone },
    action: {
      type: 'startWorkflow',
      workflowType: DIGEST_WORKFLOW,
      taskQueue: opts.taskQueue,
      workflowId: `${scheduleId}-run`,
      args: [{}],
      // A run stuck on a mail server that stays down gives way to the next day's (SKIP would skip it).
      workflowExecutionTimeout: '20 hours',
    },
    // A digest that is still running (or a missed one after an outage of a few hours) is not doubled.
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '6 hours' },
  } satisfies ScheduleOptions;
  return ensureSchedule(client, options);
}
