/**
 * Shelter placement in the journey (policy `placement` on a task): a free place is reserved when
 * the task opens, or the coordinator is told at once that there is none; the coordinator may put
 * the place elsewhere; the place is occupied when the task is done and released at exit (the case
 * closes, or the policy's release stage begins). The journey only learns whether a place was
 * found: which facility holds the person stays in the database. Journeys whose policy names no
 * placement never reach a `patched()` call here, so their histories replay unchanged.
 */
import { patched } from '@temporalio/workflow';
import { TaskRejection } from '../journey/messages';
import type { ChoosePlacement, TaskState } from '../journey/definitions';
import type { NoticePurpose } from '../journey/notices';
import { fill } from '../journey/summaries';
import type { EscalationStep } from '../policy/schema';
import { activities } from './activities-proxy';
import { assertLeadAgency, reject } from './guards';
import type { Journey } from './journey-state';

export const PLACEMENT_PATCH = 'shelter-placement-v1';

/** A full province is urgent: the person needs a bed tonight, quiet hours or not. */
const NO_FREE_PLACE: EscalationStep = { after: '0s', notify: ['coordinator'], channels: ['email', 'sms'], urgent: true };

/** Sends a message about `task` outside its ladder (src/workflows/notifications.ts, level 0). */
export type Tell = (task: TaskState, step: EscalationStep, purpose: NoticePurpose) => Promise<void>;

const isPlacement = (j: Journey, task: Pick<TaskState, 'key'>) => j.policyOf(task).placement !== undefined;

/*
 * The functions the main loop calls return undefined, not a promise, when they have nothing to do:
 * an extra await would reorder the commands of concurrent updates and watches, and histories
 * recorded before placements existed must replay exactly (see task-watch.ts).
 */

/** Reserves a place for each placement task just opened; with none free, the coordinator hears of it at once. */
export function reservePlaces(j: Journey, opened: TaskState[], sync: () => Promise<void>, tell: Tell): Promise<void> | undefined {
  const placements = opened.filter((t) => isPlacement(j, t) && t.status === 'open');
  if (placements.length === 0 || !patched(PLACEMENT_PATCH)) return undefined;
  return reserve(j, placements, sync, tell);
}

async function reserve(j: Journey, placements: TaskState[], sync: () => Promise<void>, tell: Tell) {
  for (const task of placements) {
    const summary = fill('reservePlace', { task: task.key });
    const { status } = await activities.reservePlace.executeWithOptions({ summary }, [{ caseCode: j.state.caseCode, taskId: task.id, province: j.state.province }]);
    if (status === 'released') continue;
    j.log({ action: status === 'reserved' ? 'place-reserved' : 'no-free-place', taskId: task.id });
    await sync();
    // The task stays open where it is: the coordinator chooses a facility (choosePlacement).
    if (status === 'full') await tell(task, NO_FREE_PLACE, 'no-free-place');
  }
}

/** The case's places go back when the stage the policy names for it begins. */
export function releaseAtStage(j: Journey, stage: string, sync: () => Promise<void>): Promise<void> | undefined {
  const releases = j.state.tasks.some((t) => j.policyOf(t).placement?.releaseAtStage === stage);
  return releases && patched(PLACEMENT_PATCH) ? release(j, sync) : undefined;
}

/** At the end of the journey, every place it still holds goes back. */
export function releaseAtExit(j: Journey, sync: () => Promise<void>): Promise<void> | undefined {
  return j.state.tasks.some((t) => isPlacement(j, t)) && patched(PLACEMENT_PATCH) ? release(j, sync) : undefined;
}

async function release(j: Journey, sync: () => Promise<void>) {
  const { released } = await activities.releasePlaces.executeWithOptions({ summary: fill('releasePlaces', {}) }, [{ caseCode: j.state.caseCode }]);
  if (released > 0) {
    j.log({ action: 'places-released', detail: String(released) });
    await sync();
  }
}

/** The person is in the facility once the placement task is done. */
export function occupyOnCompletion(j: Journey, task: TaskState): Promise<void> | undefined {
  return task.status === 'done' && isPlacement(j, task) && patched(PLACEMENT_PATCH) ? activities.occupyPlace({ taskId: task.id }) : undefined;
}

/** Only the lead agency (its coordinator) places, and only a placement task that is still live. */
export function assertCanChoosePlacement(j: Journey, u: ChoosePlacement) {
  assertLeadAgency(j, u);
  const task = j.task(u.taskId);
  if (!task) return reject(TaskRejection.notFound, `case ${j.state.caseCode} has no task ${u.taskId}`);
  if (!isPlacement(j, task)) reject(TaskRejection.notAPlacement, `task ${task.id} places nobody in a facility`);
  if (task.status === 'cancelled') reject(TaskRejection.alreadyDone, `task ${task.id} was cancelled`);
}

export async function choosePlacement(j: Journey, u: ChoosePlacement) {
  const { status } = await activities.choosePlace({ caseCode: j.state.caseCode, taskId: u.taskId, province: j.state.province, facilityId: u.facilityId });
  if (status === 'full') reject(TaskRejection.noFreePlace, `facility ${u.facilityId} has no free place`);
  if (status === 'unavailable') reject(TaskRejection.facilityUnavailable, `facility ${u.facilityId} is not an active facility of ${j.state.province} or a national one`);
  j.log({ action: 'place-chosen', taskId: u.taskId, by: u.staffId });
  return { taskId: u.taskId, status: 'reserved' as const };
}
