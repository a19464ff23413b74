/** Schedules the service owns (the daily digest, the programme report): created once, then kept as configured. */
import { ScheduleAlreadyRunning, type Client, type ScheduleOptions } from '@temporalio/client';

/** Idempotent at every start: an existing schedule takes the configured spec, action and policies. */
export async function ensureSchedule(client: Client, options: ScheduleOptions): Promise<{ scheduleId: string; created: boolean }> {
  const { scheduleId } = options;
  try {
    await client.schedule.create(options);
    return { scheduleId, created: true };
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    await client.schedule.getHandle(scheduleId).update((previous) => ({ ...previous, spec: options.spec, action: options.action, policies: { ...previous.policies, ...options.policies } }));
    return { scheduleId, created: false };
  }
}
