/**
 * How long a case's follow-up lasts (issue 16, item 6): the policy gives a recurring stage its
 * rounds and the bounds (`minTimes`, `maxTimes`) within which the lead agency may set a case's own
 * number; never below the rounds already started. The main loop reads it (Journey.roundsOf).
 */
import type { SetFollowUpLength } from '../journey/definitions';
import { TaskRejection } from '../journey/messages';
import type { StagePolicy } from '../policy/schema';
import { assertLeadAgency, reject } from './guards';
import type { Journey } from './journey-state';

function recurringStage(j: Journey, key: string | undefined): StagePolicy & { repeat: NonNullable<StagePolicy['repeat']> } {
  const recurring = j.policy.stages.filter((s) => s.repeat);
  const stage = key === undefined ? recurring[0] : recurring.find((s) => s.key === key);
  if (!stage) reject(TaskRejection.invalidInput, `stage: ${key === undefined ? 'the policy has no recurring stage' : `"${key}" is not a recurring stage; one of: ${recurring.map((s) => s.key).join(', ')}`}`);
  return stage as StagePolicy & { repeat: NonNullable<StagePolicy['repeat']> };
}

export function assertCanSetFollowUpLength(j: Journey, u: SetFollowUpLength) {
  assertLeadAgency(j, u);
  const stage = recurringStage(j, u.stage);
  const { times, minTimes = times, maxTimes = times } = stage.repeat;
  if (u.times < minTimes || u.times > maxTimes) {
    reject(TaskRejection.outOfBounds, minTimes === maxTimes ? `${stage.key} has ${times} rounds in this policy; it cannot be changed` : `${stage.key} may have between ${minTimes} and ${maxTimes} rounds, not ${u.times}`);
  }
  // From the history: support reopened during follow-up runs earlier stages again.
  const index = (key: string) => j.policy.stages.findIndex((s) => s.key === key);
  const begun = j.state.history.filter((h) => h.action === 'stage-started').map((h) => (h.detail ?? '').split('#')[0]!);
  if (begun.some((key) => index(key) > index(stage.key))) reject(TaskRejection.outOfBounds, `${stage.key} is over for this case`);
  const started = begun.filter((key) => key === stage.key).length;
  if (u.times < started) reject(TaskRejection.outOfBounds, `${started} rounds of ${stage.key} have already started`);
}

export function setFollowUpLength(j: Journey, u: SetFollowUpLength) {
  const stage = recurringStage(j, u.stage);
  j.state.repeatTimes = { ...j.state.repeatTimes, [stage.key]: u.times };
  j.log({ action: 'follow-up-length-set', by: u.staffId, detail: `${stage.key}:${u.times}` });
  return { stage: stage.key, times: u.times };
}
