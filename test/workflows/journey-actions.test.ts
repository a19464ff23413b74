/**
 * Staff actions on a real time-skipping Temporal server: extension, reassignment, declined
 * referrals, transfer between provinces, consent, closure, policy change. Refusals change nothing.
 */
import * as d from '../../src/journey/definitions';
import { loadPolicy } from '../../src/policy';
import { createJourneyHarness, DAY, HOUR, MINUTE, waitForState, type JourneyHarness } from '../support/journey-harness';
import { acknowledge, actor, advanceTo, complete, openTask, refusal } from '../support/journey-steps';
import { recipientsOf } from '../support/smtp';
import { until } from '../support/until';
import { addHanoiHealthDepartment } from '../support/test-database';

let h: JourneyHarness;
beforeAll(async () => {
  h = await createJourneyHarness();
  await addHanoiHealthDepartment(h.db); // so that cases can move there
});
afterAll(() => h?.teardown());
beforeEach(() => {
  h.inbox.messages.length = 0;
});

const lead = { staffId: 'coordinator', agencyId: 'dn-health' };

test('an extension moves the completion deadline, up to the policy cap, and the reminder follows it', async () => {
  await h.run(async () => {
    const handle = await h.start('DN-ACT-EXT');
    await advanceTo(handle, 'identification');
    const task = await openTask(handle, 'identification-decision'); // complete within 7d, at most 7d more
    const extended = await handle.executeUpdate(d.extendDeadlineUpdate, { args: [{ ...actor(task), extendBy: '2d', reason: 'waiting_for_documents' }] });
    expect(extended.status).toBe('acknowledged');
    expect(Date.parse(extended.completeDueAt) - Date.parse(task.completeDueAt)).toBe(2 * DAY);

    expect(await refusal(handle.executeUpdate(d.extendDeadlineUpdate, { args: [{ ...actor(task), extendBy: '6d', reason: 'capacity' }] }))).toMatch(
      /^ExtensionExceedsCap: .*at most 7d in all; up to 5d remain/,
    );
    expect((await openTask(handle, 'identification-decision')).completeDueAt).toBe(extended.completeDueAt);

    // No reminder at the old deadline; one at the new.
    const untilOld = Date.parse(task.completeDueAt) - Date.now();
    await h.env.sleep(untilOld + MINUTE);
    expect(h.inbox.messages).toHaveLength(0);
    await h.env.sleep(2 * DAY);
    const [mail] = await h.inbox.waitFor(1);
    expect(mail!.subject).toContain('DN-ACT-EXT');
  });
});

test('the law’s 3-day verification deadline cannot be extended', async () => {
  await h.run(async () => {
    const handle = await h.start('DN-ACT-EXT3');
    await advanceTo(handle, 'initial-verification');
    const task = await openTask(handle, 'verify-initial-information');
    expect(await refusal(handle.executeUpdate(d.extendDeadlineUpdate, { args: [{ ...actor(task), extendBy: '1h', reason: 'other' }] }))).toMatch(
      /^ExtensionExceedsCap: .*cannot be extended/,
    );
  });
});

test('a reassigned task waits for its new assignee to acknowledge, and reminds that person', async () => {
  await h.run(async () => {
    const handle = await h.start('DN-ACT-REASSIGN');
    const task = await openTask(handle, 'reception');
    const colleague = (await h.db.prisma.staffMember.findMany({ where: { agencyId: 'dn-health', role: 'caseworker', id: { not: task.assigneeId! } } }))[0]!;
    await acknowledge(handle, 'reception');
    await h.env.sleep(HOUR);
    const moved = await handle.executeUpdate(d.reassignTaskUpdate, { args: [{ ...actor(task), toStaffId: colleague.id, toAgencyId: 'dn-health' }] });
    expect(moved).toMatchObject({ assigneeId: colleague.id, status: 'open' });
    expect(Date.parse(moved.acknowledgeDueAt) - Date.now()).toBeGreaterThan(3 * HOUR);

    expect(await refusal(handle.executeUpdate(d.reassignTaskUpdate, { args: [{ ...actor(task), agencyId: 'dn-police', toStaffId: 'x', toAgencyId: 'dn-police' }] }))).toMatch(/^TaskOfAnotherAgency/);

    await h.env.sleep(4 * HOUR + MINUTE);
    // Reception's reminder (the verification tasks opened with it remind their own assignees).
    const mail = await until(() => h.inbox.messages.find((m) => m.subject?.includes(task.title.vi)), 'the reception reminder');
    expect(recipientsOf(mail)).toEqual([colleague.email]);
    const row = await h.db.prisma.task.findUniqueOrThrow({ where: { id: task.id } });
    expect(row.assigneeId).toBe(colleague.id);
  });
});

test('a declined referral goes back to the coordinator of the lead agency, with fresh deadlines', async () => {
  await h.run(async () => {
    const handle = await h.start('DN-ACT-DECLINE');
    await advanceTo(handle, 'support-services');
    const shelter = await openTask(handle, 'shelter-placement');
    expect(shelter.agencyId).toBe('dn-shelter');
    expect(await refusal(handle.executeUpdate(d.declineReferralUpdate, { args: [{ ...actor(await openTask(handle, 'medical-care')), agencyId: 'dn-shelter', reason: 'no_capacity' }] }))).toMatch(
      /^TaskOfAnotherAgency/,
    );
    const back = await handle.executeUpdate(d.declineReferralUpdate, { args: [{ ...actor(shelter), reason: 'no_capacity' }] });
    expect(back).toMatchObject({ agencyId: 'dn-health', assigneeId: 'dn-health-coordinator-1', status: 'open' });
    // The lead agency can refer it on, to another agency.
    await h.db.prisma.agency.create({ data: { id: 'dn-shelter-2', province: 'VN-DN', kind: 'shelter', nameVi: 'Cơ sở 2', nameEn: 'Shelter 2' } });
    await h.db.prisma.staffMember.create({ data: { id: 'dn-shelter-2-caseworker-1', agencyId: 'dn-shelter-2', name: 'Phạm Thu', role: 'caseworker' } });
    const referred = await handle.executeUpdate(d.reassignTaskUpdate, {
      args: [{ ...actor(back), toAgencyId: 'dn-shelter-2', toAgencyKind: 'shelter', toStaffId: 'dn-shelter-2-caseworker-1' }],
    });
    expect(referred.agencyId).toBe('dn-shelter-2');
    const actions = await h.db.prisma.journeyAction.findMany({ where: { caseCode: 'DN-ACT-DECLINE' }, orderBy: { seq: 'asc' } });
    expect(actions.map((a) => a.action)).toEqual(expect.arrayContaining(['referral-declined', 'reassigned']));
  });
});

test('a transfer accepted by the receiving province moves the case and its open tasks there', async () => {
  await h.run(async () => {
    const handle = await h.start('DN-ACT-MOVE');
    await advanceTo(handle, 'support-plan');
    expect(await refusal(handle.executeUpdate(d.transferCaseUpdate, { args: [{ staffId: 'x', agencyId: 'dn-police', toProvince: 'VN-HN', reason: 'person_moved' }] }))).toMatch(/^NotLeadAgency/);
    expect(await refusal(handle.executeUpdate(d.transferCaseUpdate, { args: [{ ...lead, toProvince: 'VN-DN', reason: 'person_moved' }] }))).toMatch(/^SameProvince/);

    const acceptance = await handle.executeUpdate(d.transferCaseUpdate, { args: [{ ...lead, toProvince: 'VN-HN', reason: 'person_moved' }] });
    expect(acceptance).toMatchObject({ key: 'transfer-acceptance', agencyId: 'hn-health', assigneeId: 'hn-health-caseworker-1' });
    expect(await refusal(handle.executeUpdate(d.transferCaseUpdate, { args: [{ ...lead, toProvince: 'VN-SG', reason: 'safety' }] }))).toMatch(/^TransferPending/);

    await handle.executeUpdate(d.completeTaskUpdate, { args: [{ ...actor(acceptance), outcome: 'accepted' }] });
    const state = await waitForState(handle, (s) => s.transfer?.status === 'accepted');
    expect(state).toMatchObject({ province: 'VN-HN', leadAgencyId: 'hn-health' });
    expect(state.tasks.find((t) => t.key === 'needs-assessment')).toMatchObject({ agencyId: 'hn-health', assigneeId: 'hn-health-caseworker-1' });
    const row = await h.db.prisma.case.findUniqueOrThrow({ where: { code: 'DN-ACT-MOVE' } });
    expect(row).toMatchObject({ province: 'VN-HN', leadAgencyId: 'hn-health' });
  });
});

test('a transfer not accepted in time escalates in the receiving province', async () => {
  await h.run(async () => {
    const handle = await h.start('DN-ACT-STUCK');
    await openTask(handle, 'reception');
    const acceptance = await handle.executeUpdate(d.transferCaseUpdate, { args: [{ ...lead, toProvince: 'VN-HN', reason: 'family_location' }] });
    await acknowledge(handle, 'reception');
    // Acknowledge within 1 day, else the receiving caseworker is reminded.
    await h.env.sleep(DAY + MINUTE);
    const mails = await h.inbox.waitFor(1);
    expect(mails.flatMap(recipientsOf)).toContain('hn-cw1@donghanh.local');
    const state = await waitForState(handle, (s) => s.tasks.some((t) => t.id === acceptance.id && t.escalationLevel >= 1));
    expect(state.transfer).toMatchObject({ status: 'pending', toProvince: 'VN-HN' });
    expect(state.province).toBe('VN-DN');
  });
});

test('a referral to IOM or an NGO needs the person’s consent first', async () => {
  await h.run(async () => {
    const handle = await h.start('DN-ACT-CONSENT');
    await advanceTo(handle, 'support-plan');
    const planTask = await openTask(handle, 'needs-assessment');
    const plan = ['shelter-placement', 'return-home'];
    expect(await refusal(handle.executeUpdate(d.completeTaskUpdate, { args: [{ ...actor(planTask), plan }] }))).toMatch(/^ConsentRequired: .*"return-home" to IOM\/an NGO/);
    expect(await refusal(handle.executeUpdate(d.completeTaskUpdate, { args: [{ ...actor(planTask), plan: ['massage'] }] }))).toMatch(/^InvalidPlan/);
    expect((await openTask(handle, 'needs-assessment')).status).toBe('open');

    await handle.executeUpdate(d.recordConsentUpdate, { args: [lead] });
    await handle.executeUpdate(d.completeTaskUpdate, { args: [{ ...actor(planTask), plan }] });
    const state = await waitForState(handle, (s) => s.stage === 'support-services' && s.tasks.length === 7);
    expect(state.tasks.filter((t) => t.stage === 'support-services').map((t) => [t.key, t.agencyId])).toEqual([
      ['shelter-placement', 'dn-shelter'],
      ['return-home', 'dn-iom'],
    ]);
  });
});

test('withdrawn consent closes the case and cancels its open tasks', async () => {
  await h.run(async () => {
    const handle = await h.start('DN-ACT-WITHDRAW');
    await openTask(handle, 'reception');
    await handle.executeUpdate(d.recordConsentUpdate, { args: [lead] });
    await handle.executeUpdate(d.withdrawConsentUpdate, { args: [lead] });
    const result = await handle.result();
    expect(result).toMatchObject({ status: 'closed', closureReason: 'consent_withdrawn' });
    // Verification opened with reception: every open task is cancelled.
    expect(result.tasks.map((t: d.TaskState) => [t.key, t.status])).toEqual([
      ['reception', 'cancelled'],
      ['verify-initial-information', 'cancelled'],
      ['police-verification', 'cancelled'],
    ]);
    const task = await h.db.prisma.task.findFirstOrThrow({ where: { caseCode: 'DN-ACT-WITHDRAW' } });
    expect(task.status).toBe('cancelled');
  });
});

test('a running journey moves to a newer policy only by an explicit action', async () => {
  await h.run(async () => {
    const handle = await h.start('DN-ACT-POLICY');
    await openTask(handle, 'reception');
    const current = loadPolicy('default');
    expect(await refusal(handle.executeUpdate(d.changePolicyUpdate, { args: [{ ...lead, policy: current }] }))).toMatch(/^PolicyNotNewer/);
    const v2 = { ...current, version: 2, ladders: { ...current.ladders } };
    expect(await handle.executeUpdate(d.changePolicyUpdate, { args: [{ ...lead, policy: v2 }] })).toEqual({ id: 'vn-default', version: 2 });
    const state = await handle.query(d.journeyStateQuery);
    expect(state.history.at(-1)).toMatchObject({ action: 'policy-changed', by: 'coordinator', detail: 'v1→v2' });
    // The case's row says which policy it follows now, for reports and for the records view.
    expect(await h.db.prisma.case.findUniqueOrThrow({ where: { code: 'DN-ACT-POLICY' } })).toMatchObject({ policyId: 'vn-default', policyVersion: 2 });
  });
});

test('invalid staff actions are refused with a clear reason and change nothing', async () => {
  await h.run(async () => {
    const handle = await h.start('DN-ACT-INVALID');
    const task = await openTask(handle, 'reception');
    await openTask(handle, 'police-verification'); // the last of the first tasks, opened with reception
    const before = await handle.query(d.journeyStateQuery);
    const attempts = [
      handle.executeUpdate(d.extendDeadlineUpdate, { args: [{ ...actor(task), extendBy: 'soon', reason: 'other' } as never] }),
      handle.executeUpdate(d.declineReferralUpdate, { args: [{ ...actor(task), reason: 'bored' } as never] }),
      handle.executeUpdate(d.declineReferralUpdate, { args: [{ ...actor(task), reason: 'no_capacity' }] }),
      handle.executeUpdate(d.completeTaskUpdate, { args: [{ ...actor(task), outcome: 'victim' }] }),
      handle.executeUpdate(d.closeCaseUpdate, { args: [{ staffId: 'x', agencyId: 'dn-police', reason: 'deceased' }] }),
      handle.executeUpdate(d.addNoteUpdate, { args: [{ ...actor(task), noteId: '' }] }),
    ];
    const results = await Promise.all(attempts.map(refusal));
    expect(results.map((r) => r.split(':')[0])).toEqual(['InvalidInput', 'InvalidInput', 'NotAReferral', 'InvalidOutcome', 'NotLeadAgency', 'InvalidInput']);
    expect(results[0]).toContain('extendBy');
    expect(await handle.query(d.journeyStateQuery)).toEqual(before);
  });
});
