import type { JourneyPolicy, TaskPolicy } from './schema';

/**
 * The policy of a task by its key, the transfer acceptance included. A numbered key
 * ("follow-up-check-in.3", from a task id) is a later round of the same task.
 */
export function taskPolicyOf(policy: JourneyPolicy, taskKey: string): TaskPolicy | undefined {
  const key = taskKey.replace(/\.\d+$/, '');
  if (key === policy.transferAcceptance.key) return policy.transferAcceptance;
  if (key === policy.closureApproval?.key) return policy.closureApproval;
  for (const stage of policy.stages) for (const t of stage.tasks) if (t.key === key) return t;
  // Absent from policies parsed before outcome tasks existed (a body read without parsing).
  for (const t of policy.outcomeTasks ?? []) if (t.key === key) return t;
  return undefined;
}
