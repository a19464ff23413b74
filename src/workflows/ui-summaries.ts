/**
 * The summaries the Web UI shows on a journey's timers, filled from the policy's data: the stage,
 * the agency kind that owns the task, and the SLA as the policy states it (plus any extension).
 */
import { durationMs } from '../policy/duration';
import { durationWords, fill, PHASE_WORDS, words } from '../journey/summaries';
import type { EscalationPhase, TaskState } from '../journey/definitions';
import type { Journey } from './journey-state';

/** "SLA: initial verification - police - 3 days", then " - step 2" on the ladder's step timers. */
export function timerSummary(j: Journey, task: TaskState, phase: EscalationPhase, level: number): string {
  const policy = j.policyOf(task);
  const sla = phase === 'acknowledge' ? durationMs(policy.acknowledgeWithin) : durationMs(policy.completeWithin) + task.extendedMs;
  const values = { stage: words(task.stage), agency: words(policy.agency), phase: PHASE_WORDS[phase], within: durationWords(sla), level };
  return fill(level ? 'stepTimer' : 'deadlineTimer', values);
}
