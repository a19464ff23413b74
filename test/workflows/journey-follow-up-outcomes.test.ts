/**
 * Follow-up as the policy runs it (issue 16, item 6), on a real time-skipping Temporal server: a
 * check-in finding the person re-trafficked opens an urgent police task, lost contact opens a
 * tracing task before any closure, and a case's follow-up length is its own, within bounds.
 */
import * as d from '../../src/journey/definitions';
import { createJourneyHarness, DAY, HOUR, MINUTE, waitForState, type JourneyHarness } from '../support/journey-harness';
import { advanceTo, complete, openTask, refusal } from '../support/journey-steps';
import { recipientsOf } from '../support/smtp';

let h: JourneyHarness;
beforeAll(async () => {
  h = await createJourneyHarness();
});
afterAll(() => h?.teardown());

const lead = { staffId: 'coordinator', agencyId: 'dn-health' };
const checkIn = (round: number) => `follow-up-check-in${round === 1 ? '' : `.${round}`}`;

/** A journey at its first check-in. */
async function atFollowUp(code: string) {
  const handle = await h.start(code);
  await advanceTo(handle, 'reintegration');
  await complete(handle, 'community-reintegration');
  await complete(handle, 'social-worker-handover');
  await h.env.sleep(30 * DAY);
  await openTask(handle, 'follow-up-check-in');
  return handle;
}

test('re-trafficked: an urgent police task climbs the urgent ladder, support is planned again, and the follow-up goes on', async () => {
  await h.run(async () => {
    const handle = await atFollowUp('DN-FU-RETRAFFICKED');
    await complete(handle, 'follow-up-check-in', { outcome: 're_trafficked' });
    const police = await openTask(handle, 're-trafficking-response');
    expect(police).toMatchObject({ stage: 'follow-up', agencyId: 'dn-police' });
    expect(Date.parse(police.acknowledgeDueAt) - Date.parse(police.createdAt)).toBe(2 * HOUR);

    // The urgent ladder: 2 hours after the missed acknowledgement the supervisor hears (the standard one waits a day).
    h.inbox.messages.length = 0;
    const supervisor = await h.db.prisma.staffMember.findFirstOrThrow({ where: { agencyId: 'dn-police', role: 'supervisor' } });
    await h.env.sleep(4 * HOUR + MINUTE);
    await waitForState(handle, (s) => s.tasks.some((t) => t.id === police.id && t.escalationLevel >= 2));
    const mails = await h.inbox.waitFor(2);
    expect(mails.flatMap(recipientsOf)).toContain(supervisor.email);

    await complete(handle, 're-trafficking-response');
    const plan = await openTask(handle, 'needs-assessment');
    expect(plan.id).toBe('DN-FU-RETRAFFICKED/needs-assessment.2');
    await complete(handle, 'needs-assessment', { plan: ['psychological-support'] });
    await complete(handle, 'psychological-support');
    await h.env.sleep(30 * DAY);
    const next = await waitForState(handle, (s) => s.tasks.some((t) => t.id.endsWith(checkIn(2))));
    expect(next).toMatchObject({ status: 'active', stage: 'follow-up', round: 1 });
  });
}, 60_000);

test('lost contact opens tracing: traced, the follow-up goes on; not traced, the case closes as lost contact', async () => {
  await h.run(async () => {
    const handle = await atFollowUp('DN-FU-LOST');
    await complete(handle, 'follow-up-check-in', { outcome: 'lost_contact' });
    const tracing = await openTask(handle, 'tracing');
    expect(tracing).toMatchObject({ stage: 'follow-up', agencyId: 'dn-commune-hoa-vang' });
    expect((await handle.query(d.journeyStateQuery)).status).toBe('active');
    await complete(handle, 'tracing', { outcome: 'traced' });

    await h.env.sleep(30 * DAY);
    await openTask(handle, 'follow-up-check-in');
    expect((await handle.query(d.journeyStateQuery)).round).toBe(1);
    await complete(handle, 'follow-up-check-in', { outcome: 'lost_contact' });
    expect((await openTask(handle, 'tracing')).id).toBe('DN-FU-LOST/tracing.2');
    await complete(handle, 'tracing', { outcome: 'not_traced' });
    const result = await handle.result();
    expect(result).toMatchObject({ status: 'closed', closureReason: 'lost_contact' });
    expect(await h.db.prisma.case.findUniqueOrThrow({ where: { code: 'DN-FU-LOST' } })).toMatchObject({ closureReason: 'lost_contact' });
  });
}, 60_000);

test('a case’s follow-up lasts the rounds set for it, within the policy’s bounds; then the case goes to closure', async () => {
  await h.run(async () => {
    const handle = await atFollowUp('DN-FU-LENGTH');
    const set = (times: number) => handle.executeUpdate(d.setFollowUpLengthUpdate, { args: [{ ...lead, times }] });
    expect(await refusal(set(5))).toMatch(/^OutsidePolicyBounds: follow-up may have between 6 and 12 rounds, not 5/);
    expect(await refusal(set(13))).toMatch(/^OutsidePolicyBounds: /);
    expect(await refusal(handle.executeUpdate(d.setFollowUpLengthUpdate, { args: [{ staffId: 'x', agencyId: 'dn-police', times: 6 }] }))).toMatch(/^NotLeadAgency/);
    expect(await set(6)).toEqual({ stage: 'follow-up', times: 6 });

    for (let round = 1; round <= 6; round++) {
      if (round > 1) await h.env.sleep(30 * DAY);
      const id = `DN-FU-LENGTH/${checkIn(round)}`;
      await waitForState(handle, (s) => s.tasks.some((t) => t.id === id));
      await complete(handle, 'follow-up-check-in', { outcome: 'safe' });
    }
    const state = await waitForState(handle, (s) => s.stage === 'closure');
    expect(state.tasks.filter((t) => t.key === 'follow-up-check-in')).toHaveLength(6);
    expect(state.repeatTimes).toEqual({ 'follow-up': 6 });
    expect(await refusal(set(8))).toMatch(/^OutsidePolicyBounds: follow-up is over for this case/);
  });
}, 90_000);

test('shortened while waiting for its next round, the follow-up ends at once instead of waiting for a round it no longer has', async () => {
  await h.run(async () => {
    const handle = await atFollowUp('DN-FU-SHORTEN');
    for (let round = 1; round <= 6; round++) {
      if (round > 1) await h.env.sleep(30 * DAY);
      await waitForState(handle, (s) => s.tasks.some((t) => t.id === `DN-FU-SHORTEN/${checkIn(round)}`));
      await complete(handle, 'follow-up-check-in', { outcome: 'safe' });
    }
    // Waiting for round 7 now (12 by default); five would be below both the bounds and the rounds started.
    await waitForState(handle, (s) => !s.tasks.some((t) => t.status === 'open'));
    expect(await refusal(handle.executeUpdate(d.setFollowUpLengthUpdate, { args: [{ ...lead, times: 5 }] }))).toMatch(/^OutsidePolicyBounds/);
    await handle.executeUpdate(d.setFollowUpLengthUpdate, { args: [{ ...lead, times: 6 }] });
    const state = await waitForState(handle, (s) => s.stage === 'closure');
    expect(state.tasks.filter((t) => t.key === 'follow-up-check-in')).toHaveLength(6);
  });
}, 90_000);
