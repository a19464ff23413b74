/**
 * A journey started before the transfer acceptance became a full task policy carries a policy
 * without its agency and outcomes: the workflow fills them in, so its transfer still works.
 */
import * as d from '../../src/journey/definitions';
import { loadPolicy, type JourneyPolicy } from '../../src/policy';
import { createJourneyHarness, waitForState, type JourneyHarness } from '../support/journey-harness';
import { actor, openTask } from '../support/journey-steps';
import { addHanoiHealthDepartment } from '../support/test-database';

const old = structuredClone(loadPolicy('default')) as unknown as { transferAcceptance: Record<string, unknown> };
for (const field of ['agency', 'clock', 'onlyIfPlanned', 'requiresConsent', 'outcomes']) delete old.transferAcceptance[field];

let h: JourneyHarness;
beforeAll(async () => {
  h = await createJourneyHarness(old as unknown as JourneyPolicy);
  await addHanoiHealthDepartment(h.db);
});
afterAll(() => h?.teardown());

test('a journey started with a policy of the old shape accepts a transfer', async () => {
  await h.run(async () => {
    const handle = await h.start('DN-OLD-POLICY');
    await openTask(handle, 'reception');
    const lead = { staffId: 'coordinator', agencyId: 'dn-health' };
    const acceptance = await handle.executeUpdate(d.transferCaseUpdate, { args: [{ ...lead, toProvince: 'VN-HN', reason: 'person_moved' }] });
    expect(acceptance).toMatchObject({ key: 'transfer-acceptance', agencyId: 'hn-health' });
    await handle.executeUpdate(d.completeTaskUpdate, { args: [{ ...actor(acceptance), outcome: 'accepted' }] });
    const state = await waitForState(handle, (s) => s.transfer?.status === 'accepted');
    expect(state).toMatchObject({ province: 'VN-HN', leadAgencyId: 'hn-health' });
  });
});
