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
import type { Journey } from './journey-state';
import { assertCanChangePolicy, changePolicy } from './policy-change';
import * as rules from './staff-rules';
import { assertCanTransfer, isAcceptanceTask, requestTransfer, settleTransfer } from './transfer';

interface Deps {
  sync(): Promise<void>;
  watch(task: Payloads.TaskState): Promise<void>;
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

  action(m.acknowledgeTaskUpdate, (p: P) => p.AcknowledgeTask, rules.assertCanAcknowledge, rules.acknowledge);

  action(m.completeTaskUpdate, (p: P) => p.CompleteTask, rules.assertCanComplete, async (j, u) => {
    const task = rules.complete(j, u);
    if (isAcceptanceTask(task)) await settleTransfer(j, task, activities);
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

  action(m.recordConsentUpdate, (p: P) => p.RecordConsent, rules.assertCanRecordConsent, rules.recordConsent);
  action(m.withdrawConsentUpdate, (p: P) => p.WithdrawConsent, rules.assertCanRecordConsent, rules.withdrawConsent);
  action(m.closeCaseUpdate, (p: P) => p.CloseCase, rules.assertCanClose, rules.closeCase);
  action(m.changePolicyUpdate, (p: P) => p.ChangePolicy, assertCanChangePolicy, changePolicy);
}

/** Validators see raw update arguments: check their shape before anything else. */
function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const detail = result.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ');
  throw ApplicationFailure.create({ type: m.TaskRejection.invalidInput, message: detail, nonRetryable: true });
}
