/**
 * Who may act on the case and on which task. Every rule module checks through these, so a closed
 * case, an unknown task or another agency's task is refused the same way everywhere. A refusal is a
 * non-retryable ApplicationFailure whose `type` the API turns into a 4xx answer.
 */
import { ApplicationFailure } from '@temporalio/common';
import { TaskRejection } from '../journey/messages';
import type { TaskState } from '../journey/definitions';
import type { Journey } from './journey-state';

export interface Actor {
  staffId: string;
  agencyId: string;
}

export function reject(type: string, message: string): never {
  throw ApplicationFailure.create({ type, message, nonRetryable: true });
}

export function assertLeadAgency(j: Journey, u: Actor) {
  if (!j.active) reject(TaskRejection.caseClosed, `case ${j.state.caseCode} is closed`);
  if (u.agencyId !== j.state.leadAgencyId) reject(TaskRejection.notLeadAgency, `only the lead agency (${j.state.leadAgencyId}) can do this`);
}

export interface ActOptions {
  /** Notes may still be added to a done task. */
  allowDone?: boolean;
  /** The lead agency may act on a task it referred to another agency (reassign it). */
  leadAgencyMayAct?: boolean;
}

/** The task `u` names, if the case is open, the task is still live and `u`'s agency holds it. */
export function actionableTask(j: Journey, u: { taskId: string; agencyId: string }, opts: ActOptions = {}): TaskState {
  if (!j.active) reject(TaskRejection.caseClosed, `case ${j.state.caseCode} is closed`);
  const task = j.task(u.taskId);
  if (!task) return reject(TaskRejection.notFound, `case ${j.state.caseCode} has no task ${u.taskId}`);
  const mayAct = task.agencyId === u.agencyId || (opts.leadAgencyMayAct && u.agencyId === j.state.leadAgencyId);
  if (!mayAct) reject(TaskRejection.wrongAgency, `task ${task.id} belongs to another agency`);
  if (task.status === 'done' && !opts.allowDone) reject(TaskRejection.alreadyDone, `task ${task.id} is already done`);
  if (task.status === 'cancelled') reject(TaskRejection.alreadyDone, `task ${task.id} was cancelled`);
  return task;
}
