/**
 * Issue 16, items 4 and 6, on a real time-skipping Temporal server: consent withdrawn in part stops
 * only what it covers; referrals are accepted, declined and revoked; "not a victim" closes as
 * closed-referred after its referral task.
 */
import * as d from '../../src/journey/definitions';
import { createJourneyHarness, DAY, waitForState, type JourneyHarness } from '../support/journey-harness';
import { actor, advanceTo, complete, openTask, refusal } from '../support/journey-steps';

let h: JourneyHarness;
beforeAll(async () => {
  h = await createJourneyHarness();
  // A second shelter of the province, for referrals between agencies of one kind.
  await h.db.prisma.agency.create({ data: { id: 'dn-shelter-2', province: 'VN-DN', kind: 'shelter', nameVi: 'Cơ sở 2', nameEn: 'Shelter 2' } });
  await h.db.prisma.staffMember.create({ data: { id: 'dn-shelter-2-caseworker-1', agencyId: 'dn-shelter-2', name: 'Phạm Thu', role: 'caseworker' } });
});
afterAll(() => h?.teardown());

const lead = { staffId: 'coordinator', agencyId: 'dn-health' };
const statusOf = (s: d.JourneyState, key: string) => s.tasks.find((t) => t.key === key)?.status;

test('"not a victim" opens the referral to other services; the case closes as closed-referred once it is done', async () => {
  await h.run(async () => {
    const handle = await h.start('DN-REF-NOTVICTIM');
    await advanceTo(handle, 'identification');
    await complete(handle, 'identification-decision', { outcome: 'not_victim' });
    const referral = await openTask(handle, 'referral-to-other-services');
    expect(referral).toMatchObject({ stage: 'identification', agencyId: 'dn-health' });
    await h.env.sleep(DAY); // nothing closes while the referral is open
    expect((await handle.query(d.journeyStateQuery)).status).toBe('active');
    await complete(handle, 'referral-to-other-services');
    const result = await handle.result();
    expect(result).toMatchObject({ status: 'closed', closureReason: 'closed_referred', stage: 'identification' });
    expect(await h.db.prisma.case.findUniqueOrThrow({ where: { code: 'DN-REF-NOTVICTIM' } })).toMatchObject({ status: 'closed', closureReason: 'closed_referred' });
    expect(await h.db.prisma.task.findUniqueOrThrow({ where: { id: referral.id } })).toMatchObject({ status: 'done' });
  });
});

test('withdrawing consent to share, then to one service, cancels only what each covers; the journey goes on', async () => {
  await h.run(async () => {
    const handle = await h.start('DN-REF-PARTS');
    await advanceTo(handle, 'support-plan');
    await handle.executeUpdate(d.recordConsentUpdate, { args: [{ ...lead, givenBy: 'person' }] });
    await complete(handle, 'needs-assessment', { plan: ['shelter-placement', 'medical-care', 'return-home'] });
    await waitForState(handle, (s) => s.tasks.filter((t) => t.stage === 'support-services').length === 3);

    const sharing = await handle.executeUpdate(d.withdrawConsentPartUpdate, { args: [{ ...lead, part: 'sharing' }] });
    expect(sharing).toMatchObject({ given: true, sharing: { given: false, by: 'coordinator' } });
    let state = await handle.query(d.journeyStateQuery);
    expect(['shelter-placement', 'medical-care', 'return-home'].map((k) => statusOf(state, k))).toEqual(['open', 'open', 'cancelled']);
    expect(await refusal(handle.executeUpdate(d.recordConsentPartUpdate, { args: [{ ...lead, part: 'service', service: 'massage' }] }))).toMatch(/^InvalidInput: service: "massage"/);

    await handle.executeUpdate(d.withdrawConsentPartUpdate, { args: [{ ...lead, part: 'service', service: 'medical-care' }] });
    state = await handle.query(d.journeyStateQuery);
    expect(['shelter-placement', 'medical-care'].map((k) => statusOf(state, k))).toEqual(['open', 'cancelled']);
    expect(state.status).toBe('active');
    const rows = await h.db.prisma.task.findMany({ where: { caseCode: 'DN-REF-PARTS', stage: 'support-services' }, orderBy: { id: 'asc' } });
    expect(rows.map((r) => [r.key, r.status])).toEqual([
      ['medical-care', 'cancelled'],
      ['return-home', 'cancelled'],
      ['shelter-placement', 'open'],
    ]);

    // The one service left is done: support ends and reintegration begins.
    await complete(handle, 'shelter-placement');
    state = await waitForState(handle, (s) => s.stage === 'reintegration');
    expect(state.consent.services).toEqual({ 'medical-care': expect.objectContaining({ given: false, by: 'coordinator' }) });
  });
});

test('a referral is accepted by the receiving agency, revoked by the lead agency, and declined back to the lead', async () => {
  await h.run(async () => {
    const handle = await h.start('DN-REF-ANSWER');
    await advanceTo(handle, 'support-services', ['shelter-placement']);
    const shelter = await openTask(handle, 'shelter-placement');
    expect(shelter.agencyId).toBe('dn-shelter');
    const refer = () =>
      handle.executeUpdate(d.reassignTaskUpdate, { args: [{ ...actor(shelter), ...lead, toAgencyId: 'dn-shelter-2', toAgencyKind: 'shelter', toStaffId: 'dn-shelter-2-caseworker-1' }] });
    await refer();
    const receiving = { taskId: shelter.id, staffId: 'dn-shelter-2-caseworker-1', agencyId: 'dn-shelter-2' };

    expect(await refusal(handle.executeUpdate(d.acceptReferralUpdate, { args: [{ ...receiving, agencyId: 'dn-shelter' }] }))).toMatch(/^TaskOfAnotherAgency/);
    expect(await refusal(handle.executeUpdate(d.revokeReferralUpdate, { args: [receiving] }))).toMatch(/^NotLeadAgency/);
    const accepted = await handle.executeUpdate(d.acceptReferralUpdate, { args: [receiving] });
    expect(accepted).toMatchObject({ agencyId: 'dn-shelter-2', status: 'acknowledged' });
    expect(await refusal(handle.executeUpdate(d.declineReferralUpdate, { args: [{ ...receiving, reason: 'no_capacity' }] }))).toMatch(/^ReferralAlreadyAccepted/);

    const revoked = await handle.executeUpdate(d.revokeReferralUpdate, { args: [{ ...lead, taskId: shelter.id }] });
    expect(revoked).toMatchObject({ agencyId: 'dn-shelter', assigneeId: shelter.assigneeId, status: 'open' });
    expect(await refusal(handle.executeUpdate(d.revokeReferralUpdate, { args: [{ ...lead, taskId: shelter.id }] }))).toMatch(/^NotAReferral/);

    await refer();
    const declined = await handle.executeUpdate(d.declineReferralUpdate, { args: [{ ...receiving, reason: 'no_capacity' }] });
    expect(declined).toMatchObject({ agencyId: 'dn-health', assigneeId: 'dn-health-coordinator-1' });
    const actions = await h.db.prisma.journeyAction.findMany({ where: { caseCode: 'DN-REF-ANSWER', taskId: shelter.id }, orderBy: { seq: 'asc' } });
    expect(actions.map((a) => a.action).filter((a) => a.startsWith('referral') || a === 'reassigned')).toEqual(['reassigned', 'referral-accepted', 'referral-revoked', 'reassigned', 'referral-declined']);
  });
});
