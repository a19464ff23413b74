/**
 * Four eyes on closure (policy `closureApproval`): closing the case becomes a request, and an
 * approval task goes to a manager of the lead agency (its ladder notifies them). A manager who is
 * not the requester approves (the case closes as asked) or rejects (the request is withdrawn; a
 * closure task asked through stays open). Without the policy, closing is immediate as it was, so
 * journeys recorded before replay unchanged.
 */
import { patched } from '@temporalio/workflow';
import type { ClosureReason } from '../domain/case';
import { TaskRejection } from '../journey/messages';
import type { ApproveClosure, ClosureRequest, RejectClosure, TaskState } from '../journey/definitions';
import { fill, words } from '../journey/summaries';
import type { EscalationStep } from '../policy/schema';
import { activities } from './activities-proxy';
import { reject } from './guards';
import { iso, type Journey } from './journey-state';

export const CLOSURE_APPROVAL_PATCH = 'closure-approval-v1';
/** The stage name of an approval task, which lives beside the journey's stages. */
export const APPROVAL_STAGE = 'closure-approval';

/** The manager hears of the request at once, not when the approval task's ladder first fires. */
export const TELL_MANAGER: EscalationStep = { after: '0s', notify: ['assignee'], channels: ['email', 'sms'], urgent: false };

export const isApprovalTask = (task: Pick<TaskState, 'stage'>) => task.stage === APPROVAL_STAGE;

/** Does closing this way need a manager? The closeCase action when the policy asks; a task when it is marked. */
export function needsApproval(j: Journey, via?: { task: TaskState; outcome?: string }): boolean {
  if (!j.policy.closureApproval) return false;
  if (via) {
    const policy = j.policyOf(via.task);
    if (!policy.closureNeedsApproval || !via.outcome || !policy.outcomes?.[via.outcome]?.closesCase) return false;
  }
  return patched(CLOSURE_APPROVAL_PATCH);
}

/** One request at a time: a second would race the manager's decision on the first. */
export function assertNoClosurePending(j: Journey) {
  if (j.state.closureRequest) reject(TaskRejection.closurePending, `a closure of case ${j.state.caseCode} is waiting for a manager's approval`);
}

/** Opens the manager's approval task; the case stays active until they decide. */
export async function requestClosure(j: Journey, ask: { reason: ClosureReason; staffId: string; taskId?: string; outcome?: string }): Promise<TaskState> {
  const policy = j.policy.closureApproval!;
  const draft = j.draftTask(APPROVAL_STAGE, policy);
  // Pending before the directory answers, so a second request is refused while this one waits.
  j.state.closureRequest = {
    reason: ask.reason,
    requestedBy: ask.staffId,
    requestedAt: iso(Date.now()),
    approvalTaskId: draft.id,
    ...(ask.taskId ? { taskId: ask.taskId, outcome: ask.outcome } : {}),
  };
  j.log({ action: 'closure-requested', taskId: draft.id, by: ask.staffId, detail: ask.reason });
  const summary = fill('openTask', { task: draft.key, agency: words(policy.agency) });
  const opening = { ...draft, caseCode: j.state.caseCode, province: j.state.province, agencyKind: policy.agency, leadAgencyId: j.state.leadAgencyId, role: policy.role };
  const placement = await activities.openTask.executeWithOptions({ summary }, [opening]);
  return j.addTask(draft, placement);
}

/** Only an open case with a request; approving needs a second person. */
export function assertCanDecide(j: Journey, u: ApproveClosure | RejectClosure, approving: boolean): ClosureRequest {
  if (!j.active) reject(TaskRejection.caseClosed, `case ${j.state.caseCode} is closed`);
  const request = j.state.closureRequest;
  if (!request) return reject(TaskRejection.noClosureRequest, `no closure of case ${j.state.caseCode} is waiting for approval`);
  if (approving && u.staffId === request.requestedBy) {
    reject(TaskRejection.sameApprover, `four eyes: ${u.staffId} asked for this closure, so another manager must approve it`);
  }
  return request;
}

/** The approval task is settled with the decision, and the request is no longer pending. */
export function decide(j: Journey, u: ApproveClosure | RejectClosure, approved: boolean): ClosureRequest {
  const request = j.state.closureRequest!;
  const task = j.task(request.approvalTaskId)!;
  j.markAcknowledged(task);
  task.status = 'done';
  task.completedAt = iso(Date.now());
  task.outcome = approved ? 'approved' : 'rejected';
  j.changes.touch(task);
  delete j.state.closureRequest;
  j.log({ action: approved ? 'closure-approved' : 'closure-rejected', taskId: task.id, by: u.staffId, detail: 'reason' in u ? u.reason : request.reason });
  return request;
}
