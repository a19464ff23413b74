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
    const state = await waitForState(handle, (s) => s.tasks.some((t) => t.status === 'open' || t.status === 'acknowledged'));
    if (state.stage === stage) return state;
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
