/**
 * The rules of staff actions on tasks and on the case (consent in consent.ts, answers to
 * referrals in referrals.ts). Each `assertCan*` validates an action against the journey and
 * changes nothing (Temporal runs it as the update's validator, so a refused action leaves no
 * trace in history); its partner applies the change. Pure: no timers, no activities.
 */
import type { AgencyKind } from '../domain/agencies';
import { durationMs, formatDuration } from '../policy/duration';
import { TaskRejection } from '../journey/messages';
import type { AcknowledgeTask, AddNote, CloseCase, CompleteTask, DeclineReferral, ExtendDeadline, Placement, ReassignTask, TaskState } from '../journey/definitions';
import { assertNoClosurePending, isApprovalTask } from './closure-approval';
import { actionableTask, assertLeadAgency, reject, type Actor } from './guards';
import { holds, iso, type Journey } from './journey-state';
import { assertAnswerable, noteReferral } from './referrals';
import { assertAcceptanceStays, assertCanSettle } from './transfer';

export { assertCanRecordConsent, recordConsent, withdrawConsent } from './consent';

export function assertCanAcknowledge(j: Journey, u: AcknowledgeTask) {
  const task = actionableTask(j, u);
  if (task.status !== 'open') reject(TaskRejection.alreadyAcknowledged, `task ${task.id} was already acknowledged`);
}

export function acknowledge(j: Journey, u: AcknowledgeTask): TaskState {
  const task = j.task(u.taskId)!;
  j.markAcknowledged(task);
  j.log({ action: 'acknowledged', taskId: task.id, by: u.staffId });
  return task;
}

export function assertCanComplete(j: Journey, u: CompleteTask) {
  const task = actionableTask(j, u);
  if (isApprovalTask(task)) reject(TaskRejection.invalidInput, `task ${task.id} is settled by a manager's approval or rejection of the closure, not completed`);
  const policy = j.policyOf(task);
  const outcomes = policy.outcomes;
  if (outcomes && (u.outcome === undefined || !(u.outcome in outcomes))) {
    reject(TaskRejection.invalidOutcome, `task ${task.id} needs an outcome, one of: ${Object.keys(outcomes).join(', ')}`);
  }
  if (!outcomes && u.outcome !== undefined) reject(TaskRejection.invalidOutcome, `task ${task.id} takes no outcome`);
  if (u.outcome !== undefined && outcomes?.[u.outcome]?.closesCase) assertNoClosurePending(j);
  assertCanSettle(j, task, u.outcome);
  if (policy.plans) assertValidPlan(j, policy.plans, u);
  else if (u.plan !== undefined || u.noServicesReason !== undefined) reject(TaskRejection.invalidPlan, `task ${task.id} does not make a support plan`);
}

/** Completing also acknowledges: a person who did the work has seen the task. */
export function complete(j: Journey, u: CompleteTask): TaskState {
  const task = j.task(u.taskId)!;
  j.markAcknowledged(task);
  task.status = 'done';
  task.completedAt = iso(Date.now());
  task.outcome = u.outcome;
  j.changes.touch(task);
  j.log({ action: 'completed', taskId: task.id, by: u.staffId, detail: [u.outcome, u.plan?.join('+'), u.noServicesReason && `no-services:${u.noServicesReason}`].filter(Boolean).join(' ') || undefined });
  const policy = j.policyOf(task);
  if (policy.plans) j.state.plan = [...(u.plan ?? [])];
  const outcome = u.outcome === undefined ? undefined : policy.outcomes?.[u.outcome];
  if (outcome?.reopens) j.requestReopen(outcome.reopens);
  if (outcome?.opens) {
    // The case closes only once the opened tasks are done (the referral after "not a victim").
    j.requestOpen(task.stage, outcome.opens);
    if (outcome.closesCase) j.state.closingAfterOpened = outcome.closesCase;
  } else if (outcome?.closesCase) j.close(outcome.closesCase, u.staffId);
  return task;
}

/**
 * A plan chooses services of the planned stage, each once, or says why none is needed: an empty plan
 * would silently skip all support. Referrals outside the state need consent.
 */
function assertValidPlan(j: Journey, stageKey: string, u: CompleteTask) {
  const plan = u.plan ?? [];
  const stage = j.policy.stages.find((s) => s.key === stageKey)!;
  // A service whose condition the case does not meet (a child's service for an adult) is not on offer.
  const offered = stage.tasks.filter((t) => t.onlyIfPlanned && holds(t.when, j.state.facts));
  if (plan.length === 0 && !u.noServicesReason) {
    reject(TaskRejection.invalidPlan, `choose at least one service (${offered.map((t) => t.key).join(', ')}), or give noServicesReason`);
  }
  if (plan.length > 0 && u.noServicesReason) reject(TaskRejection.invalidPlan, 'a plan with services takes no noServicesReason');
  for (const key of plan) {
    const task = offered.find((t) => t.key === key);
    if (!task) reject(TaskRejection.invalidPlan, `"${key}" is not a service of the plan; choose from: ${offered.map((t) => t.key).join(', ')}`);
    if (j.state.consent.services?.[key]?.given === false) reject(TaskRejection.consentRequired, `the person withdrew consent to receive "${key}"`);
    if ((task.requiresConsent || needsConsent(j, task.agency)) && !j.sharingAllowed) {
      reject(TaskRejection.consentRequired, `record the person's consent before referring "${key}" to ${kindName(task.agency)}`);
    }
  }
  if (new Set(plan).size !== plan.length) reject(TaskRejection.invalidPlan, 'the plan names a service twice');
}

const needsConsent = (j: Journey, kind: AgencyKind) => j.policy.consentRequiredFor.includes(kind);
const kindName = (kind: AgencyKind) => (kind === 'ngo' ? 'IOM/an NGO' : kind);

export function assertCanAddNote(j: Journey, u: AddNote) {
  actionableTask(j, u, { allowDone: true });
}

export function addNote(j: Journey, u: AddNote): TaskState {
  const task = j.task(u.taskId)!;
  j.log({ action: 'note-added', taskId: task.id, by: u.staffId, detail: u.noteId });
  return task;
}

export function assertCanExtend(j: Journey, u: ExtendDeadline) {
  const task = actionableTask(j, u);
  const { maxExtension } = j.policyOf(task);
  const cap = durationMs(maxExtension);
  const asked = durationMs(u.extendBy);
  if (asked <= 0) reject(TaskRejection.invalidInput, 'extendBy must be longer than zero');
  if (task.extendedMs + asked > cap) {
    reject(
      TaskRejection.extensionTooLong,
      cap === 0
        ? `the deadline of task ${task.id} cannot be extended`
        : `task ${task.id} may be extended by at most ${maxExtension} in all; ${remaining(cap - task.extendedMs)}`,
    );
  }
}

/** Asking for more time acknowledges the task and moves its completion deadline. */
export function extend(j: Journey, u: ExtendDeadline): TaskState {
  const task = j.task(u.taskId)!;
  const by = durationMs(u.extendBy);
  j.markAcknowledged(task);
  task.extendedMs += by;
  task.completeDueAt = iso(Date.parse(task.completeDueAt) + by);
  j.restartTimers(task);
  j.log({ action: 'deadline-extended', taskId: task.id, by: u.staffId, detail: `${u.extendBy} ${u.reason}` });
  return task;
}

export function assertCanReassign(j: Journey, u: ReassignTask) {
  const task = actionableTask(j, u, { leadAgencyMayAct: true });
  assertAcceptanceStays(task, u.toAgencyId);
  if (u.toAgencyId === task.agencyId) return; // a colleague of the same agency
  if (u.agencyId !== j.state.leadAgencyId) {
    reject(TaskRejection.wrongAgency, `only the lead agency can refer task ${task.id} to another agency; reassign within ${task.agencyId}`);
  }
  assertMayReceive(j, task, u.toAgencyKind);
}

/**
 * The policy fixes whose work a task is: another agency of the task's kind may take it, another
 * kind only when the policy lets the task be referred there, and a kind outside the state system
 * only once the person consented (their personal data goes with the task).
 */
function assertMayReceive(j: Journey, task: TaskState, kind: AgencyKind | undefined) {
  if (!kind) return reject(TaskRejection.invalidInput, `toAgencyKind: needed to move task ${task.id} to another agency`);
  const policy = j.policyOf(task);
  if (kind !== policy.agency && (policy.reserved || !policy.referableTo.includes(kind))) {
    const allowed = policy.reserved ? 'it is reserved to them' : `it may be referred to: ${[policy.agency, ...policy.referableTo].join(', ')}`;
    reject(TaskRejection.wrongAgency, `task ${task.id} is the work of ${policy.agency}, not ${kind}; ${allowed}`);
  }
  if (needsConsent(j, kind) && !j.sharingAllowed) {
    reject(TaskRejection.consentRequired, `record the person's consent before referring task ${task.id} to ${kindName(kind)}`);
  }
}

/** The new person must acknowledge again; the completion deadline stays. A move to another agency is a referral it answers. */
export function reassign(j: Journey, u: ReassignTask): TaskState {
  const task = j.task(u.taskId)!;
  if (u.toAgencyId !== task.agencyId) noteReferral(j, task, u);
  task.agencyId = u.toAgencyId;
  task.assigneeId = u.toStaffId;
  task.status = 'open';
  delete task.acknowledgedAt;
  task.acknowledgeDueAt = iso(Date.now() + durationMs(j.policyOf(task).acknowledgeWithin));
  j.restartTimers(task);
  j.log({ action: 'reassigned', taskId: task.id, by: u.staffId, detail: `${u.toAgencyId}/${u.toStaffId}` });
  return task;
}

export function assertCanDecline(j: Journey, u: DeclineReferral) {
  assertAnswerable(j, u, 'declined');
}

/** A declined referral goes back to the lead agency's coordinator, with fresh deadlines. */
export function decline(j: Journey, u: DeclineReferral, coordinator: Placement): TaskState {
  assertCanDecline(j, u); // again: the task may have been done while the coordinator was looked up
  const task = j.task(u.taskId)!;
  const policy = j.policyOf(task);
  Object.assign(task, coordinator, {
    status: 'open',
    acknowledgeDueAt: iso(Date.now() + durationMs(policy.acknowledgeWithin)),
    completeDueAt: iso(Date.now() + durationMs(policy.completeWithin)),
  });
  delete task.acknowledgedAt;
  if (j.state.referrals) delete j.state.referrals[task.id];
  j.restartTimers(task);
  j.log({ action: 'referral-declined', taskId: task.id, by: u.staffId, detail: u.reason });
  return task;
}

export function assertCanClose(j: Journey, u: CloseCase) {
  assertLeadAgency(j, u);
  assertNoClosurePending(j);
}

export function closeCase(j: Journey, u: CloseCase) {
  j.close(u.reason, u.staffId);
  return { status: j.state.status, closureReason: j.state.closureReason };
}

/** What is left of the cap, in the largest exact unit ("3d", "36h", "90m"). */
const remaining = (ms: number) => (ms > 0 ? `up to ${formatDuration(ms)} remain` : 'none remains');
