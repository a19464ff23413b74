/**
 * What "still to do" and "overdue" mean for a task row, in one place for the API, the digest and
 * task placement: open past its acknowledgement deadline, or not done past its completion deadline.
 */
export const ACTIVE_TASK_STATUSES = ['open', 'acknowledged'];

interface TaskDeadlines {
  status: string;
  acknowledgeDueAt: Date;
  completeDueAt: Date;
}

export function isOverdue(t: TaskDeadlines, now: Date): boolean {
  if (!ACTIVE_TASK_STATUSES.includes(t.status)) return false;
  return (t.status === 'open' && t.acknowledgeDueAt < now) || t.completeDueAt < now;
}

/** The same rule as a Prisma filter on tasks. */
export function overdueTaskWhere(now: Date) {
  return { OR: [{ status: 'open', acknowledgeDueAt: { lt: now } }, { status: { in: ACTIVE_TASK_STATUSES }, completeDueAt: { lt: now } }] };
}
