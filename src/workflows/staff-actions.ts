/**
 * Staff actions as workflow updates. Each validator checks the raw input's shape and the
 * journey's rules and changes nothing; a refused action reaches the caller as a typed failure.
 * Handlers apply the change, then publish and persist it before answering.
 */
import type { UpdateDefinition } from '@temporalio/common';
import { ApplicationFailure, setHandler } from '@temporalio/workflow';
import type { z } from 'zod';
import * as d from '../journey/definitions';
import { activities } from './activities-proxy';
import type { Journey } from './journey-state';
import { assertCanChangePolicy, changePolicy } from './policy-change';
import * as consent from './consent';
import { assertCanSetFollowUpLength, setFollowUpLength } from './follow-up-length';
import { openRequested } from './open-task';
import * as referrals from './referrals';
import * as rules from './staff-rules';
import { assertCanTransfer, isAcceptanceTask, requestTransfer, settleTransfer } from './transfer';

interface Deps {
  sync(): Promise<void>;
  watch(task: d.TaskState): Promise<void>;
  publish(): void;
}

export function registerStaffActions(j: Journey, deps: Deps) {
  function action<S extends z.ZodType, R>(
    update: UpdateDefinition<R, [z.input<S>]>,
    schema: S,
    assert: (j: Journey, u: z.output<S>) => void,
    apply: (j: Journey, u: z.output<S>) => R | Promise<R>,
  ) {
    setHandler(
      update,
      async (raw: z.input<S>) => {
        const result = await apply(j, schema.parse(raw));
        deps.publish();
        await deps.sync();
        return result;
      },
      { validator: (raw: z.input<S>) => assert(j, parse(schema, raw)) },
    );
  }

  action(d.acknowledgeTaskUpdate, d.AcknowledgeTask, rules.assertCanAcknowledge, rules.acknowledge);

  action(d.completeTaskUpdate, d.CompleteTask, rules.assertCanComplete, async (j, u) => {
    const task = rules.complete(j, u);
    if (isAcceptanceTask(task)) await settleTransfer(j, task, activities);
    // An outcome that opens tasks (the referral after "not a victim", tracing, the police) opens them now.
    // Awaited only then: recorded histories replay their commands in the order they had.
    if (j.hasOpenRequest()) await openRequested(j, deps.watch);
    return task;
  });

  action(d.addNoteUpdate, d.AddNote, rules.assertCanAddNote, rules.addNote);
  action(d.extendDeadlineUpdate, d.ExtendDeadline, rules.assertCanExtend, rules.extend);
  action(d.reassignTaskUpdate, d.ReassignTask, rules.assertCanReassign, rules.reassign);

  action(d.declineReferralUpdate, d.DeclineReferral, rules.assertCanDecline, async (j, u) => {
    const coordinator = await activities.placeTask({
      taskId: u.taskId,
      province: j.state.province,
      agencyKind: 'health_dept',
      leadAgencyId: j.state.leadAgencyId,
      role: 'coordinator',
    });
    return rules.decline(j, u, coordinator);
  });

  action(d.transferCaseUpdate, d.TransferCase, assertCanTransfer, async (j, u) => {
    const task = await requestTransfer(j, u, activities);
    void deps.watch(task);
    return task;
  });

  action(d.acceptReferralUpdate, d.AcceptReferral, referrals.assertCanAccept, referrals.accept);
  action(d.revokeReferralUpdate, d.RevokeReferral, referrals.assertCanRevoke, referrals.revoke);

  action(d.recordConsentUpdate, d.RecordConsent, consent.assertCanRecordConsent, consent.recordConsent);
  action(d.withdrawConsentUpdate, d.WithdrawConsent, consent.assertCanWithdrawConsent, consent.withdrawConsent);
  action(d.recordConsentPartUpdate, d.RecordConsentPart, consent.assertCanRecordPart, consent.recordPart);
  action(d.withdrawConsentPartUpdate, d.WithdrawConsentPart, consent.assertCanWithdrawPart, consent.withdrawPart);
  action(d.setFollowUpLengthUpdate, d.SetFollowUpLength, assertCanSetFollowUpLength, setFollowUpLength);
  action(d.closeCaseUpdate, d.CloseCase, rules.assertCanClose, rules.closeCase);
  action(d.changePolicyUpdate, d.ChangePolicy, assertCanChangePolicy, changePolicy);
}

/** Validators see raw update arguments: check their shape before anything else. */
function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const detail = result.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ');
  throw ApplicationFailure.create({ type: d.TaskRejection.invalidInput, message: detail, nonRetryable: true });
}
