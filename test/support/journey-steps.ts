/** Staff actions as tests take them: find a task by key, act on it as its own agency. */
import type { WorkflowHandle } from '@temporalio/client';
import * as d from '../../src/journey/definitions';
import { waitForState } from './journey-harness';

type Handle = WorkflowHandle;

export async function openTask(handle: Handle, key: string) {
  const state = await waitForState(handle, (s) => s.tasks.some((t) => t.key === key && (t.status === 'open' || t.status === 'acknowledged')));
  return state.tasks.filter((t) => t.key === key).at(-1)!;
}

export async function complete(handle: Handle, key: string, extra: { outcome?: string; plan?: string[] } = {}) {
  const task = await openTask(handle, key);
  return handle.executeUpdate(d.completeTaskUpdate, { args: [{ taskId: task.id, staffId: 'tester', agencyId: task.agencyId, ...extra }] });
}

export async function acknowledge(handle: Handle, key: string) {
  const task = await openTask(handle, key);
  return handle.executeUpdate(d.acknowledgeTaskUpdate, { args: [{ taskId: task.id, staffId: 'tester', agencyId: task.agencyId }] });
}

/** The default policy's stages in order. */
const STAGES = ['reception', 'initial-verification', 'identification', 'support-plan', 'support-services', 'reintegration', 'follow-up', 'closure'];
const isOpen = (t: d.TaskState) => t.status === 'open' || t.status === 'acknowledged';

/**
 * The journey is at `stage`: a task of it is open and none of an earlier stage is. Not `state.stage`:
 * verification opens with reception, so "at verification" means reception is done.
 */
export function atStage(s: d.JourneyState, stage: string): boolean {
  const open = s.tasks.filter(isOpen);
  const earlier = STAGES.slice(0, Math.max(0, STAGES.indexOf(stage)));
  return open.some((t) => t.stage === stage) && !open.some((t) => earlier.includes(t.stage));
}

/** Completes every task of the journey up to the stage `stage` (which is left to the test). */
export async function advanceTo(handle: Handle, stage: string, plan: string[] = ['shelter-placement', 'medical-care']) {
  const steps: [string, { outcome?: string; plan?: string[] }?][] = [
    ['reception'],
    ['verify-initial-information'],
    ['police-verification'],
    ['identification-decision', { outcome: 'victim' }],
    ['needs-assessment', { plan }],
    ...plan.map((key) => [key] as [string]),
    ['community-reintegration'],
    ['social-worker-handover'],
  ];
  for (const [key, extra] of steps) {
    const state = await waitForState(handle, (s) => s.tasks.some(isOpen));
    if (atStage(state, stage)) return state;
    // A task of a stage that started with the one before may be done already.
    if (!state.tasks.some((t) => t.key === key && isOpen(t)) && state.tasks.some((t) => t.key === key)) continue;
    await complete(handle, key, extra);
  }
  return waitForState(handle, (s) => s.stage === stage);
}

/** The type of the refusal an update met, or 'accepted'. */
export async function refusal(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return 'accepted';
  } catch (error) {
    const cause = (error as { cause?: { type?: string; message?: string } }).cause;
    return `${cause?.type}: ${cause?.message}`;
  }
}

export const actor = (task: d.TaskState) => ({ taskId: task.id, staffId: 'tester', agencyId: task.agencyId });
