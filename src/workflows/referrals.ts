/**
 * Referrals (issue 16, item 6): a task the lead agency moved to another agency is answered by that
 * agency, which accepts it (and so has seen it) or declines it (staff-rules.ts: it goes back to the
 * lead agency's coordinator); the lead agency may revoke a referral, and the task returns to whoever
 * held it before. A task the policy placed with another agency (the police's verification) is
 * answered the same way, but there is nothing to revoke it to. Pure: no activities.
 */
import { durationMs } from '../policy/duration';
import type { AcceptReferral, ReassignTask, RevokeReferral, TaskState } from '../journey/definitions';
import { TaskRejection } from '../journey/messages';
import { actionableTask, assertLeadAgency, reject } from './guards';
import { iso, type Journey } from './journey-state';

/** Remembers where a task came from when it moves to another agency (a referral on a referral keeps the first holder). */
export function noteReferral(j: Journey, task: TaskState, u: ReassignTask) {
  const referrals = (j.state.referrals ??= {});
  const from = referrals[task.id]?.from ?? { agencyId: task.agencyId, assigneeId: task.assigneeId };
  // Back with its first holder: no referral any more.
  if (u.toAgencyId === from.agencyId) delete referrals[task.id];
  else referrals[task.id] = { from, toAgencyId: u.toAgencyId, toAgencyKind: u.toAgencyKind!, status: 'pending', at: iso(Date.now()), by: u.staffId };
}

/** Only the agency holding a task that is not the lead's own answers it, once, and never for a decision the law reserves. */
export function assertAnswerable(j: Journey, u: { taskId: string; agencyId: string }, answer: 'accepted' | 'declined') {
  const task = actionableTask(j, u);
  if (task.agencyId === j.state.leadAgencyId) reject(TaskRejection.notAReferral, `task ${task.id} is the lead agency's own, not a referral`);
  // Declining would hand the decision to the lead agency's coordinator.
  if (j.policyOf(task).reserved) reject(TaskRejection.notAReferral, `task ${task.id} is a decision reserved to ${j.policyOf(task).agency}; it cannot be ${answer}`);
  if (j.state.referrals?.[task.id]?.status === 'accepted') reject(TaskRejection.referralAccepted, `task ${task.id} was already accepted by ${task.agencyId}`);
  return task;
}

export function assertCanAccept(j: Journey, u: AcceptReferral) {
  assertAnswerable(j, u, 'accepted');
}

/** Accepting is seeing it: the acknowledgement ladder stops. */
export function accept(j: Journey, u: AcceptReferral): TaskState {
  const task = j.task(u.taskId)!;
  j.markAcknowledged(task);
  const referrals = (j.state.referrals ??= {});
  const referral = referrals[task.id];
  if (referral) referral.status = 'accepted';
  // Placed there by the policy: accepted, with no earlier holder to return to.
  else referrals[task.id] = { toAgencyId: task.agencyId, toAgencyKind: j.policyOf(task).agency, status: 'accepted', at: iso(Date.now()), by: u.staffId };
  j.log({ action: 'referral-accepted', taskId: task.id, by: u.staffId });
  return task;
}

export function assertCanRevoke(j: Journey, u: RevokeReferral) {
  assertLeadAgency(j, u);
  const task = actionableTask(j, u, { leadAgencyMayAct: true });
  const referral = j.state.referrals?.[task.id];
  if (!referral?.from || referral.toAgencyId !== task.agencyId) reject(TaskRejection.notAReferral, `task ${task.id} is not referred to another agency; there is nothing to revoke`);
}

/** Back with its earlier holder, who acknowledges afresh; the completion deadline stays. */
export function revoke(j: Journey, u: RevokeReferral): TaskState {
  const task = j.task(u.taskId)!;
  const referral = j.state.referrals![task.id]!;
  Object.assign(task, referral.from, { status: 'open', acknowledgeDueAt: iso(Date.now() + durationMs(j.policyOf(task).acknowledgeWithin)) });
  delete task.acknowledgedAt;
  delete j.state.referrals![task.id];
  j.restartTimers(task);
  j.log({ action: 'referral-revoked', taskId: task.id, by: u.staffId, detail: `${referral.toAgencyId}→${referral.from!.agencyId}` });
  return task;
}
