/**
 * Moving a case to another province: who may ask, the acceptance task the receiving province's
 * health department gets (its policy is `transferAcceptance`), and what acceptance changes: the
 * case's province and lead agency, and where its open tasks are held. The directory is passed in,
 * so the workflow gives its activities and tests give a fake; nothing else here does I/O.
 */
import type { Activities } from '../activities';
import { TaskRejection } from '../journey/messages';
import type { Placement, TaskState, TransferCase } from '../journey/definitions';
import { assertLeadAgency, reject } from './guards';
import type { Journey } from './journey-state';

/** The stage name of a transfer's acceptance task, which lives beside the journey's stages. */
export const TRANSFER_STAGE = 'transfer';

export type TransferDirectory = Pick<Activities, 'openTask' | 'placeTask'>;

export const isAcceptanceTask = (task: Pick<TaskState, 'stage'>) => task.stage === TRANSFER_STAGE;

export function assertCanTransfer(j: Journey, u: TransferCase) {
  assertLeadAgency(j, u);
  if (u.toProvince === j.state.province) reject(TaskRejection.sameProvince, `the case is already in ${u.toProvince}`);
  if (j.state.transfer?.status === 'pending') {
    reject(TaskRejection.transferPending, `a transfer to ${j.state.transfer.toProvince} is waiting for acceptance`);
  }
}

/** Opens the acceptance task in the receiving province; the case stays where it is until it is done. */
export async function requestTransfer(j: Journey, u: TransferCase, directory: TransferDirectory): Promise<TaskState> {
  const policy = j.policy.transferAcceptance;
  const draft = j.draftTask(TRANSFER_STAGE, policy);
  // Pending before the directory answers, so a second request is refused while this one waits.
  j.state.transfer = { toProvince: u.toProvince, taskId: draft.id, status: 'pending' };
  j.log({ action: 'transfer-requested', taskId: draft.id, by: u.staffId, detail: `${u.toProvince} ${u.reason}` });
  const placement = await directory.openTask({
    ...draft,
    caseCode: j.state.caseCode,
    province: u.toProvince,
    agencyKind: policy.agency,
    leadAgencyId: j.state.leadAgencyId,
  });
  return j.addTask(draft, placement);
}

/**
 * With no health department of the receiving province in the directory, the sending lead agency
 * holds the acceptance task: it may refuse the transfer, never accept it for the other province.
 */
export function assertCanSettle(j: Journey, task: TaskState, outcome: string | undefined) {
  if (isAcceptanceTask(task) && outcome === 'accepted' && task.agencyId === j.state.leadAgencyId) {
    reject(TaskRejection.wrongAgency, `only the receiving province's health department can accept the transfer to ${j.state.transfer?.toProvince}`);
  }
}

/** Only the receiving province accepts: its acceptance task may change hands there, never leave. */
export function assertAcceptanceStays(task: TaskState, toAgencyId: string) {
  if (isAcceptanceTask(task) && toAgencyId !== task.agencyId) {
    reject(TaskRejection.wrongAgency, `only the receiving province accepts a transfer; ${task.id} stays with ${task.agencyId}`);
  }
}

/** Called when the acceptance task is done: an accepted case moves, its open tasks move with it. */
export async function settleTransfer(j: Journey, task: TaskState, directory: TransferDirectory): Promise<'accepted' | 'refused'> {
  const transfer = j.state.transfer!;
  transfer.status = task.outcome === 'accepted' ? 'accepted' : 'refused';
  if (transfer.status === 'accepted') {
    j.state.province = transfer.toProvince;
    j.state.leadAgencyId = task.agencyId;
  }
  j.log({ action: transfer.status === 'accepted' ? 'transfer-accepted' : 'transfer-refused', taskId: task.id, detail: transfer.toProvince });
  if (transfer.status === 'accepted') {
    // One at a time, in order: journeys already running replay exactly this sequence of activities.
    for (const open of j.openTasks()) movePlacement(j, open, await placeInProvince(j, open, directory));
  }
  return transfer.status;
}

/** The receiving province's agency of the task's kind holds it now, with its ladder started over. */
function movePlacement(j: Journey, task: TaskState, placement: Placement) {
  Object.assign(task, placement);
  j.restartTimers(task);
}

function placeInProvince(j: Journey, task: TaskState, directory: TransferDirectory) {
  return directory.placeTask({ taskId: task.id, province: j.state.province, agencyKind: j.policyOf(task).agency, leadAgencyId: j.state.leadAgencyId });
}
