/**
 * What managers filter on in the Web UI follows the journey, on a real time-skipping server:
 * Overdue flips at the deadline and back once nothing is late, NextDeadline names the earliest
 * deadline ahead, IdentifiedAsVictim follows the identification outcome, and the current details
 * list the open tasks.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { IdentifiedAsVictim, NextDeadline, Overdue, Stage } from '../../src/temporal/search-attributes';
import { loadPolicy } from '../../src/policy';
import { createJourneyHarness, HOUR, MINUTE, oneStageAtATime, waitForState, waitUntilIdle, type JourneyHarness } from '../support/journey-harness';
import { acknowledge, advanceTo, complete } from '../support/journey-steps';

let h: JourneyHarness;
beforeAll(async () => {
  // One late task at a time: verification opens after reception here, not with it.
  h = await createJourneyHarness(oneStageAtATime(loadPolicy('default')));
});
afterAll(() => h?.teardown());

async function attributes(handle: WorkflowHandle) {
  await waitUntilIdle(handle);
  const { typedSearchAttributes: sa } = await handle.describe();
  return { overdue: sa.get(Overdue), next: sa.get(NextDeadline), victim: sa.get(IdentifiedAsVictim), stage: sa.get(Stage) };
}

test('Overdue is true from the deadline until the late task is acknowledged; NextDeadline is the earliest ahead', async () => {
  await h.run(async () => {
    const handle = await h.start('DN-VIS-001');
    const reception = (await waitForState(handle, (s) => s.tasks.length > 0)).tasks[0]!;
    const fresh = await attributes(handle);
    expect(fresh.overdue).toBe(false);
    expect(fresh.next?.toISOString()).toBe(new Date(reception.acknowledgeDueAt).toISOString());

    await h.env.sleep(4 * HOUR + MINUTE);
    const late = await attributes(handle);
    expect(late.overdue).toBe(true);
    expect(late.next?.toISOString()).toBe(new Date(reception.completeDueAt).toISOString());

    await acknowledge(handle, 'reception');
    expect((await attributes(handle)).overdue).toBe(false);
  });
});

test('IdentifiedAsVictim follows the identification outcome; the current details list open tasks', async () => {
  await h.run(async () => {
    const handle = await h.start('DN-VIS-002');
    await advanceTo(handle, 'identification');
    expect((await attributes(handle)).victim).toBeUndefined();
    await complete(handle, 'identification-decision', { outcome: 'victim' });
    await waitForState(handle, (s) => s.stage === 'support-plan');
    const after = await attributes(handle);
    expect(after).toMatchObject({ victim: true, stage: 'support-plan' });
    const { currentDetails } = await handle.query<{ currentDetails: string }>('__temporal_workflow_metadata');
    expect(currentDetails).toContain('DN-VIS-002');
    expect(currentDetails).toContain('needs-assessment');
    expect(currentDetails).toContain('dn-health');
  });
});
