/**
 * Staff actions as workflow updates. Each validator checks the raw input's shape and the
 * journey's rules and changes nothing; a refused action reaches the caller as a typed failure.
 * Handlers apply the change, then publish and persist it before answering.
 */
import type { UpdateDefinition } from '@temporalio/common';
import { ApplicationFailure, setHandler } from '@temporalio/workflow';
import type { z } from 'zod';
import type * as Payloads from '../journey/definitions';
import * as m from '../journey/messages';
import { activities } from './activities-proxy';
import { assertCanDecide, decide, needsApproval, requestClosure, TELL_MANAGER } from './closure-approval';
import type { Journey } from './journey-state';
import { assertCanChoosePlacement, choosePlacement, occupyOnCompletion, type Tell } from './placement';
import { assertCanChangePolicy, changePolicy } from './policy-change';
import * as consent from './consent';
import { assertCanSetFollowUpLength, setFollowUpLength } from './follow-up-length';
import { openRequested } from './open-task';
import * as referrals from './referrals';
import * as rules from './staff-rules';
import { assertCanTransfer, isAcceptanceTask, requestTransfer, settleTransfer } from './transfer';

interface Deps {
  sync(): Promise<void>;
  watch(task: Payloads.TaskState): Promise<void>;
  tell: Tell;
  publish(): void;
}

/**
 * The payload schemas, loaded by a journey's first update: a journey that only waits on its timers
 * never builds them (zod schemas cost each cached workflow about 2 MiB and its start milliseconds).
 */
type P = typeof Payloads;
let payloads: P | undefined;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const loadPayloads = () => (payloads ??= require('../journey/definitions') as P);

export function registerStaffActions(j: Journey, deps: Deps) {
  function action<S extends z.ZodType, R>(
    update: UpdateDefinition<R, [z.input<S>]>,
    schemaOf: (p: P) => S,
    assert: (j: Journey, u: z.output<S>) => void,
    apply: (j: Journey, u: z.output<S>) => R | Promise<R>,
  ) {
    setHandler(
      update,
      async (raw: z.input<S>) => {
        const result = await apply(j, schemaOf(loadPayloads()).parse(raw));
        deps.publish();
        await deps.sync();
        return result;
      },
      { validator: (raw: z.input<S>) => assert(j, parse(schemaOf(loadPayloads()), raw)) },
    );
  }

  /** The approval task climbs its ladder; its manager is told now, once the task is recorded. */
  async function approvalAsked(task: Payloads.TaskState) {
    void deps.watch(task);
    if (task.status !== 'open') return;
    deps.publish();
    await deps.sync();
    await deps.tell(task, TELL_MANAGER, 'closure-approval');
  }

  action(m.acknowledgeTaskUpdate, (p: P) => p.AcknowledgeTask, rules.assertCanAcknowledge, rules.acknowledge);

  action(m.completeTaskUpdate, (p: P) => p.CompleteTask, rules.assertCanComplete, async (j, u) => {
    const asked = j.task(u.taskId)!;
    if (needsApproval(j, { task: asked, outcome: u.outcome })) {
      // Done only once a manager approves: until then the task stays open (acknowledged).
      j.markAcknowledged(asked);
      const reason = j.policyOf(asked).outcomes![u.outcome!]!.closesCase!;
      await approvalAsked(await requestClosure(j, { reason, staffId: u.staffId, taskId: asked.id, outcome: u.outcome }));
      return asked;
    }
    const task = rules.complete(j, u);
    if (isAcceptanceTask(task)) await settleTransfer(j, task, activities);
    const occupying = occupyOnCompletion(j, task);
    if (occupying) await occupying;
    // An outcome that opens tasks (the referral after "not a victim", tracing, the police) opens them now.
    // Awaited only then: recorded histories replay their commands in the order they had.
    if (j.hasOpenRequest()) await openRequested(j, deps.watch);
    return task;
  });

  action(m.addNoteUpdate, (p: P) => p.AddNote, rules.assertCanAddNote, rules.addNote);
  action(m.extendDeadlineUpdate, (p: P) => p.ExtendDeadline, rules.assertCanExtend, rules.extend);
  action(m.reassignTaskUpdate, (p: P) => p.ReassignTask, rules.assertCanReassign, rules.reassign);

  action(m.declineReferralUpdate, (p: P) => p.DeclineReferral, rules.assertCanDecline, async (j, u) => {
    const coordinator = await activities.placeTask({
      taskId: u.taskId,
      province: j.state.province,
      agencyKind: 'health_dept',
      leadAgencyId: j.state.leadAgencyId,
      role: 'coordinator',
    });
    return rules.decline(j, u, coordinator);
  });

  action(m.transferCaseUpdate, (p: P) => p.TransferCase, assertCanTransfer, async (j, u) => {
    const task = await requestTransfer(j, u, activities);
    void deps.watch(task);
    return task;
  });

  action(m.acceptReferralUpdate, (p: P) => p.AcceptReferral, referrals.assertCanAccept, referrals.accept);
  action(m.revokeReferralUpdate, (p: P) => p.RevokeReferral, referrals.assertCanRevoke, referrals.revoke);

  action(m.recordConsentUpdate, (p: P) => p.RecordConsent, consent.assertCanRecordConsent, consent.recordConsent);
  action(m.withdrawConsentUpdate, (p: P) => p.WithdrawConsent, consent.assertCanWithdrawConsent, consent.withdrawConsent);
  action(m.recordConsentPartUpdate, (p: P) => p.RecordConsentPart, consent.assertCanRecordPart, consent.recordPart);
  action(m.withdrawConsentPartUpdate, (p: P) => p.WithdrawConsentPart, consent.assertCanWithdrawPart, consent.withdrawPart);
  action(m.setFollowUpLengthUpdate, (p: P) => p.SetFollowUpLength, assertCanSetFollowUpLength, setFollowUpLength);
  // Synchronous without an approval, as it always was: no extra await in recorded histories.
  action(m.closeCaseUpdate, (p: P) => p.CloseCase, rules.assertCanClose, (j, u) =>
    needsApproval(j)
      ? requestClosure(j, { reason: u.reason, staffId: u.staffId })
          .then(approvalAsked)
          .then(() => ({ status: j.state.status, closureReason: j.state.closureReason, closureRequested: true }))
      : rules.closeCase(j, u),
  );

  action(m.approveClosureUpdate, (p: P) => p.ApproveClosure, (j, u) => assertCanDecide(j, u, true), (j, u) => {
    const request = decide(j, u, true);
    const task = request.taskId ? j.task(request.taskId) : undefined;
    // Completed as its requester asked; the case closes with the outcome's reason.
    if (task && (task.status === 'open' || task.status === 'acknowledged')) rules.complete(j, { taskId: task.id, staffId: request.requestedBy, agencyId: task.agencyId, outcome: request.outcome });
    j.close(request.reason, u.staffId);
    return { status: j.state.status, closureReason: j.state.closureReason };
  });

  action(m.rejectClosureUpdate, (p: P) => p.RejectClosure, (j, u) => assertCanDecide(j, u, false), (j, u) => {
    decide(j, u, false);
    return { status: j.state.status, closureReason: j.state.closureReason };
  });

  action(m.choosePlacementUpdate, (p: P) => p.ChoosePlacement, assertCanChoosePlacement, choosePlacement);
  action(m.changePolicyUpdate, (p: P) => p.ChangePolicy, assertCanChangePolicy, changePolicy);
}

/** Validators see raw update arguments: check their shape before anything else. */
function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const detail = result.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ');
  throw ApplicationFailure.create({ type: m.TaskRejection.invalidInput, message: detail, nonRetryable: true });
}
