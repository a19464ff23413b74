/**
 * A task of a journey: the one shape the workflow keeps, the activities store (src/db/task-rows.ts
 * maps it to and from its row) and the API shows. Ids only, never personal data.
 */
import { z } from 'zod';

export const TaskStatus = z.enum(['open', 'acknowledged', 'done', 'cancelled']);
export type TaskStatus = z.infer<typeof TaskStatus>;

const Iso = z.string().describe('ISO 8601 date-time');

export const TaskState = z.object({
  id: z.string().describe('<case code>/<task key>, with ".<n>" for a recurring task'),
  key: z.string().describe("the policy's task key"),
  stage: z.string(),
  title: z.object({ vi: z.string(), en: z.string() }),
  agencyId: z.string(),
  assigneeId: z.string().nullable(),
  status: TaskStatus,
  createdAt: Iso,
  acknowledgeDueAt: Iso,
  completeDueAt: Iso,
  /** The ladder step reached in the current phase: 0 = none yet, 1 = reminder, … */
  escalationLevel: z.number().int(),
  /** Extensions granted so far, in ms (capped by the policy's maxExtension). */
  extendedMs: z.number().int(),
  /** Bumped whenever deadlines or the assignee change, so the task's timers start over. */
  revision: z.number().int(),
  acknowledgedAt: Iso.optional(),
  completedAt: Iso.optional(),
  outcome: z.string().optional(),
});
export type TaskState = z.infer<typeof TaskState>;

/** What the database keeps of a task: the timer bookkeeping stays in the journey. */
export const RecordedTask = TaskState.omit({ extendedMs: true, revision: true });
export type RecordedTask = z.infer<typeof RecordedTask>;
