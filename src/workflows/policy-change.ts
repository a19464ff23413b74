/**
 * Moving a running journey to a newer version of its policy, by an explicit lead-agency action.
 * The new version must still describe where the journey is: its current stage and every task it
 * has, or the journey could not go on. Deadlines already set stay; what comes next follows the new version.
 */
import type { JourneyPolicy } from '../policy/schema';
import type { PolicyRef } from '../journey/definitions';
import { taskPolicyOf } from '../policy/tasks';
import { TaskRejection } from '../journey/messages';
import { assertLeadAgency, reject, type Actor } from './guards';
import type { Journey } from './journey-state';

export interface PolicyChange extends Actor {
  policy: JourneyPolicy;
  policyRef?: PolicyRef;
}

export function assertCanChangePolicy(j: Journey, u: PolicyChange) {
  assertLeadAgency(j, u);
  const { id, version } = j.state.policy;
  if (u.policy.id !== id || u.policy.version <= version) {
    reject(TaskRejection.policyNotNewer, `the journey follows ${id} v${version}; only a newer version of ${id} can replace it`);
  }
  if (!u.policy.stages.some((s) => s.key === j.state.stage)) {
    reject(TaskRejection.policyNotNewer, `${id} v${u.policy.version} has no stage "${j.state.stage}", where this journey is now`);
  }
  for (const task of j.state.tasks) {
    if (!taskPolicyOf(u.policy, task.key)) {
      reject(TaskRejection.policyNotNewer, `${id} v${u.policy.version} has no task "${task.key}", which this journey has`);
    }
  }
}

export function changePolicy(j: Journey, u: PolicyChange) {
  const from = j.state.policy.version;
  j.policy = u.policy;
  // Without a reference (an update recorded before there were any) later runs carry the body itself.
  j.policyRef = u.policyRef;
  j.state.policy = { id: u.policy.id, version: u.policy.version };
  j.log({ action: 'policy-changed', by: u.staffId, detail: `v${from}→v${u.policy.version}` });
  return j.state.policy;
}
