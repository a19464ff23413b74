/**
 * Ladder arithmetic: when each step of an escalation ladder fires and what it sends. Pure, so the
 * workflow's timers and the notifier read the same rules, and tests check them without a server.
 */
import { durationMs } from './duration';
import type { EscalationLadder, EscalationStep } from './schema';

/** When ladder step `level` (1-based) fires, relative to the missed deadline; past the last step, it repeats. */
export function escalationOffsetMs(ladder: EscalationLadder, level: number): number {
  const steps = ladder.steps;
  if (level <= steps.length) return durationMs(steps[level - 1]!.after);
  return durationMs(steps[steps.length - 1]!.after) + (level - steps.length) * durationMs(ladder.repeatEvery);
}

/** The step sent at `level`: past the top of the ladder, the last step again. */
export function escalationStep(ladder: EscalationLadder, level: number): EscalationStep {
  return ladder.steps[Math.min(level, ladder.steps.length) - 1]!;
}

/** Urgent steps and the top of the ladder ignore quiet hours: by then nobody may wait till morning. */
export function isUrgentStep(ladder: EscalationLadder, level: number, step: EscalationStep = escalationStep(ladder, level)): boolean {
  return step.urgent || level >= ladder.steps.length;
}
