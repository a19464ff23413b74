/** Opening one task of the policy: drafted by the journey, placed with an agency by the directory (an activity). */
import type { TaskState } from '../journey/definitions';
import { fill, words } from '../journey/summaries';
import type { TaskPolicy } from '../policy/schema';
import { activities } from './activities-proxy';
import type { Journey } from './journey-state';

export async function openTask(j: Journey, stage: string, policy: TaskPolicy): Promise<TaskState> {
  const draft = j.draftTask(stage, policy);
  const summary = fill('openTask', { task: draft.key, agency: words(policy.agency) });
  const opening = { ...draft, caseCode: j.state.caseCode, province: j.state.province, agencyKind: policy.agency, leadAgencyId: j.state.leadAgencyId };
  const placement = await activities.openTask.executeWithOptions({ summary }, [opening]);
  return j.addTask(draft, placement);
}

/**
 * The outcome tasks a completion asked for (a referral, tracing, the police), opened one at a time
 * and watched like any other; `opening` keeps their stage from ending while the directory answers.
 */
export async function openRequested(j: Journey, watch: (task: TaskState) => Promise<void>) {
  const requests = j.takeOpenRequest();
  j.opening += requests.length;
  for (const { stage, policy } of requests) {
    try {
      void watch(await openTask(j, stage, policy));
    } finally {
      j.opening--;
    }
  }
}
