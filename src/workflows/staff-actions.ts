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
import { TRANSFER_STAGE, type Journey } from './journey-state';

interface Deps {
  sync(): Promise<void>;
  watch(task: d.TaskState): Promise<void>;
  publish(): void;
}

export function registerStaffActions(j: Journey, deps: Deps) {
  function action<S extends z.ZodType, R>(
    update: UpdateDefinition<R, [z.input<S>]>,
    schema: S,
    assert: (u: z.output<S>) => void,
    apply: (u: z.output<S>) => R | Promise<R>,
  ) {
    setHandler(
      update,
      async (raw: z.input<S>) => {
        const result = await apply(schema.parse(raw));
        deps.publish();
        await deps.sync();
        return result;
      },
      { validator: (raw: z.input<S>) => assert(parse(schema, raw)) },
    );
  }
  const place = (task: d.TaskState) =>
    activities.placeTask({ taskId: task.id, province: j.state.province, agencyKind: j.policyOf(task).agency, leadAgencyId: j.state.leadAgencyId });

  setHandler(d.journeyStateQuery, () => j.state);

  action(d.acknowledgeTaskUpdate, d.AcknowledgeTask, (u) => j.assertCanAcknowledge(u), (u) => j.acknowledge(u));

  action(d.completeTaskUpdate, d.CompleteTask, (u) => j.assertCanComplete(u), async (u) => {
    const task = j.complete(u);
    if (task.stage === TRANSFER_STAGE && j.settleTransfer(task) === 'accepted') {
      for (const open of j.openTasks()) {
        j.movePlacement(open, await place(open));
      }
    }
    return task;
  });

  action(d.addNoteUpdate, d.AddNote, (u) => j.assertCanAddNote(u), (u) => j.addNote(u));

  action(d.extendDeadlineUpdate, d.ExtendDeadline, (u) => j.assertCanExtend(u), (u) => j.extend(u));

  action(d.reassignTaskUpdate, d.ReassignTask, (u) => j.assertCanReassign(u), (u) => j.reassign(u));

  action(d.declineReferralUpdate, d.DeclineReferral, (u) => j.assertCanDecline(u), async (u) => {
    const coordinator = await activities.placeTask({
      taskId: u.taskId,
      province: j.state.province,
      agencyKind: 'health_dept',
      leadAgencyId: j.state.leadAgencyId,
      role: 'coordinator',
    });
    return j.decline(u, coordinator);
  });

  action(d.transferCaseUpdate, d.TransferCase, (u) => j.assertCanTransfer(u), async (u) => {
    const draft = j.draftTask(TRANSFER_STAGE, j.policy.transferAcceptance);
    j.requestTransfer(u, draft.id); // first, so a second request is refused while this one waits
    const placement = await activities.openTask({
      ...draft,
      caseCode: j.state.caseCode,
      province: u.toProvince,
      agencyKind: 'health_dept',
      leadAgencyId: j.state.leadAgencyId,
    });
    const task = j.addTask(draft, placement);
    void deps.watch(task);
    return task;
  });

  action(d.recordConsentUpdate, d.RecordConsent, (u) => j.assertCanRecordConsent(u), (u) => j.recordConsent(u));
  action(d.withdrawConsentUpdate, d.WithdrawConsent, (u) => j.assertCanRecordConsent(u), (u) => j.withdrawConsent(u));

  action(d.closeCaseUpdate, d.CloseCase, (u) => j.assertCanClose(u), (u) => {
    j.close(u.reason, u.staffId);
    return { status: j.state.status, closureReason: j.state.closureReason };
  });

  action(d.changePolicyUpdate, d.ChangePolicy, (u) => j.assertCanChangePolicy(u), (u) => j.changePolicy(u));
}

/** Validators see raw update arguments: check their shape before anything else. */
function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const detail = result.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ');
  throw ApplicationFailure.create({ type: d.TaskRejection.invalidInput, message: detail, nonRetryable: true });
}
