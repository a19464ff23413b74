/**
 * Records the histories of representative journeys into test/histories/*.json, for the replay
 * test (test/workflows/replay.test.ts). Run `npm run histories:record` after a change that is
 * meant to alter workflow histories, and commit the files together with the `patched()` guard
 * that keeps the old ones replaying (see README, "Changing the workflow safely"). The
 * *.policy-in-input.json files are the same journeys recorded when the policy travelled inline
 * in the workflow input, before journeys started with a policy reference: keep them.
 *
 * top-step-repeats.json is not recorded here: it is a reception task left three days on the
 * urgent ladder, recorded before ladders had `maxRepeats` (the top step repeating past it), and
 * keeps the `patched()` guard of the cap in src/workflows/task-watch.ts honest. Keep it as it is.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import * as d from '../../src/journey/definitions';
import { decryptedHistory } from '../support/codec';
import { createJourneyHarness, DAY, HOUR, type JourneyHarness } from '../support/journey-harness';
import { actor, advanceTo, complete, openTask } from '../support/journey-steps';

const lead = { staffId: 'coordinator', agencyId: 'dn-health' };
let h: JourneyHarness;
beforeAll(async () => {
  h = await createJourneyHarness();
});
afterAll(() => h?.teardown());

async function save(name: string, handle: WorkflowHandle, runId?: string) {
  // Saved decrypted: the run's codec key dies with the run, and replays must read these files later.
  const history = await decryptedHistory(await h.env.client.workflow.getHandle(handle.workflowId, runId).fetchHistory());
  fs.writeFileSync(path.join(__dirname, `${name}.json`), `${historyToJSON(history)}\n`);
}

test('record representative journeys', async () => {
  await h.run(async () => {
    const notVictim = await h.start('REPLAY-NOT-VICTIM');
    await advanceTo(notVictim, 'identification');
    await complete(notVictim, 'identification-decision', { outcome: 'not_victim' });
    await notVictim.result();
    await save('not-a-victim', notVictim);

    const support = await h.start('REPLAY-SUPPORT');
    await openTask(support, 'reception');
    await h.env.sleep(6 * HOUR); // reminder, then supervisor
    await advanceTo(support, 'identification');
    const decision = await openTask(support, 'identification-decision');
    await support.executeUpdate(d.extendDeadlineUpdate, { args: [{ ...actor(decision), extendBy: '2d', reason: 'waiting_for_documents' }] });
    await complete(support, 'identification-decision', { outcome: 'victim' });
    await support.executeUpdate(d.recordConsentUpdate, { args: [lead] });
    await complete(support, 'needs-assessment', { plan: ['shelter-placement', 'return-home'] });
    const shelter = await openTask(support, 'shelter-placement');
    await support.executeUpdate(d.declineReferralUpdate, { args: [{ ...actor(shelter), reason: 'no_capacity' }] });
    await h.env.sleep(2 * DAY);
    await save('support-with-actions', support);

    const year = await h.start('REPLAY-FOLLOW-UP');
    await advanceTo(year, 'reintegration');
    await complete(year, 'community-reintegration');
    await complete(year, 'social-worker-handover');
    await h.env.sleep(30 * DAY);
    await complete(year, 'follow-up-check-in', { outcome: 'safe' });
    await save('follow-up-continued-as-new', year, year.firstExecutionRunId);
  });
}, 120_000);
