/**
 * The durable timers of one task: while it is not acknowledged, then while it is not done,
 * climb its escalation ladder at the times the policy gives.
 */
import { condition } from '@temporalio/workflow';
import type { EscalationLadder, EscalationStep } from '../policy/schema';
import type { EscalationPhase, TaskState } from './definitions';
import { escalationOffsetMs, escalationStep } from './journey-state';

export interface WatchHooks {
  escalate(phase: EscalationPhase, level: number, step: EscalationStep): Promise<void>;
  isCaseClosed(): boolean;
}

export async function watchTask(task: TaskState, ladder: EscalationLadder, hooks: WatchHooks): Promise<void> {
  await climbUntil(task, ladder, hooks, 'acknowledge', () => task.status !== 'open', () => task.acknowledgeDueAt);
  await climbUntil(task, ladder, hooks, 'complete', () => task.status === 'done', () => task.completeDueAt);
}

async function climbUntil(
  task: TaskState,
  ladder: EscalationLadder,
  hooks: WatchHooks,
  phase: EscalationPhase,
  settled: () => boolean,
  dueAt: () => string,
) {
  const finished = () => settled() || hooks.isCaseClosed();
  for (let level = 1; !finished(); level++) {
    const firesAt = Date.parse(dueAt()) + escalationOffsetMs(ladder, level);
    const wait = firesAt - Date.now();
    if (wait > 0 && (await condition(finished, wait))) return;
    if (finished()) return;
    // After a long stall (e.g. a deadline counted from the case's opening), go straight to the
    // step that is due now instead of sending every missed step at once.
    while (Date.parse(dueAt()) + escalationOffsetMs(ladder, level + 1) <= Date.now()) level++;
    await hooks.escalate(phase, level, escalationStep(ladder, level));
  }
}
