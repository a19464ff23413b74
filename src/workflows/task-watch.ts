/**
 * The durable timers of one task: while it is not acknowledged, then while it is not done,
 * climb its escalation ladder at the times the policy gives. A new deadline or assignee
 * (extension, reassignment, a declined referral, a transfer) starts the climb over.
 */
import { condition, patched } from '@temporalio/workflow';
import { VISIBILITY_PATCH } from './visibility';
import type { EscalationLadder, EscalationStep } from '../policy/schema';
import type { EscalationPhase, TaskState } from '../journey/definitions';
import { escalationOffsetMs, escalationStepFrom, finalLevel } from '../policy/ladder';

/** Journeys recorded before the ladder had a cap repeat as they did; new ones stop at `finalLevel`. */
const REPEAT_CAP = 'ladder-max-repeats';

export interface WatchHooks {
  escalate(phase: EscalationPhase, level: number, step: EscalationStep): Promise<void>;
  isCaseClosed(): boolean;
  /** The phase's deadline itself passed (the managers' view flips Overdue then, whatever the ladder says). */
  deadlinePassed?(): void;
  /** What the Web UI shows on the timer of `phase`'s deadline (level 0) or of a ladder step. */
  summary(phase: EscalationPhase, level: number): string;
}

export async function watchTask(task: TaskState, ladder: () => EscalationLadder, hooks: WatchHooks): Promise<void> {
  const finished = () => task.status === 'done' || task.status === 'cancelled' || hooks.isCaseClosed();
  while (!finished()) {
    const phase: EscalationPhase = task.status === 'open' ? 'acknowledge' : 'complete';
    const revision = task.revision;
    const moved = () => finished() || task.revision !== revision || (phase === 'acknowledge' && task.status !== 'open');
    await climb(task, ladder(), hooks, phase, moved);
  }
}

async function climb(task: TaskState, ladder: EscalationLadder, hooks: WatchHooks, phase: EscalationPhase, moved: () => boolean) {
  const dueAt = Date.parse(phase === 'acknowledge' ? task.acknowledgeDueAt : task.completeDueAt);
  // Asked only once the cap is reached, so histories that never got there replay unchanged.
  const capped = (level: number) => level >= finalLevel(ladder) && patched(REPEAT_CAP);
  // No await unless needed: an extra await would reorder the commands of concurrent watches.
  if (needsDeadlineTimer(ladder, dueAt) && (await waitForDeadline(task, hooks, phase, dueAt, moved))) return;
  for (let level = 1; !moved(); level++) {
    // Past the cap the ladder is silent; the task stays overdue for the digest and the managers' view.
    if (capped(level - 1)) {
      await condition(moved);
      return;
    }
    const wait = dueAt + escalationOffsetMs(ladder, level) - Date.now();
    if (wait > 0 && (await condition(moved, wait, { summary: hooks.summary(phase, level) }))) return;
    if (moved()) return;
    // After a long stall (e.g. a deadline counted from the case's opening), go straight to the
    // step that is due now instead of sending every missed step at once; it tells everyone of
    // the steps it passed over too.
    const from = level;
    while (dueAt + escalationOffsetMs(ladder, level + 1) <= Date.now() && !capped(level)) level++;
    await hooks.escalate(phase, level, escalationStepFrom(ladder, from, level));
  }
}

/**
 * A ladder whose first step comes after the deadline gets a timer at the deadline itself, so the
 * task shows as overdue on time. Asked only for such ladders: recorded histories replay unchanged.
 * True when the task moved on meanwhile.
 */
function needsDeadlineTimer(ladder: EscalationLadder, dueAt: number): boolean {
  return dueAt > Date.now() && escalationOffsetMs(ladder, 1) > 0 && patched(VISIBILITY_PATCH);
}

async function waitForDeadline(task: TaskState, hooks: WatchHooks, phase: EscalationPhase, dueAt: number, moved: () => boolean) {
  if (await condition(moved, dueAt - Date.now(), { summary: hooks.summary(phase, 0) })) return true;
  hooks.deadlinePassed?.();
  return moved();
}
