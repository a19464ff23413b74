/**
 * Ladder arithmetic: when each step of an escalation ladder fires, what it sends and when the
 * ladder falls silent. Pure, so the workflow's timers and the notifier read the same rules, and
 * tests check them without a server.
 */
import { durationMs } from './duration';
import type { EscalationLadder, EscalationStep, RecipientRole } from './schema';

/** When ladder step `level` (1-based) fires, relative to the missed deadline; past the last step, it repeats. */
export function escalationOffsetMs(ladder: EscalationLadder, level: number): number {
  const steps = ladder.steps;
  if (level <= steps.length) return durationMs(steps[level - 1]!.after);
  return durationMs(steps[steps.length - 1]!.after) + (level - steps.length) * durationMs(ladder.repeatEvery);
}

/** The last level that sends anything: the top step and its `maxRepeats` repeats. */
export function finalLevel(ladder: EscalationLadder): number {
  return ladder.steps.length + ladder.maxRepeats;
}

/** The step sent at `level`: past the top of the ladder, the last step again. */
export function escalationStep(ladder: EscalationLadder, level: number): EscalationStep {
  return ladder.steps[Math.min(level, ladder.steps.length) - 1]!;
}

/**
 * The step sent at `level` when the climb jumped there from `fromLevel` (a task that opened
 * already late, a worker that was down): nobody the ladder passed over is skipped, so the task's
 * own assignee, supervisor and focal point hear of it together with those of the step due now.
 * Its roles and channels are those of every step from `fromLevel` to `level`; urgent if any was.
 */
export function escalationStepFrom(ladder: EscalationLadder, fromLevel: number, level: number): EscalationStep {
  const step = escalationStep(ladder, level);
  if (fromLevel >= level || fromLevel > ladder.steps.length) return step;
  const passed = ladder.steps.slice(fromLevel - 1, Math.min(level, ladder.steps.length));
  const union = <T>(lists: T[][]) => [...new Set(lists.flat())];
  return {
    ...step,
    notify: union<RecipientRole>(passed.map((s) => s.notify)),
    channels: union(passed.map((s) => s.channels)),
    urgent: passed.some((s) => s.urgent),
  };
}

/** Urgent steps and the top of the ladder ignore quiet hours: by then nobody may wait till morning. */
export function isUrgentStep(ladder: EscalationLadder, level: number, step: EscalationStep = escalationStep(ladder, level)): boolean {
  return step.urgent || level >= ladder.steps.length;
}
