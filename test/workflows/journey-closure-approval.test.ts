/**
 * Four eyes on closure, on a real time-skipping Temporal server and SQLite, with the default
 * policy's `closureApproval` (one follow-up round, so the closure stage comes quickly): closing
 * becomes a request, a manager of the health department is told (real SMTP) and decides; the
 * requester cannot approve their own request; a rejection keeps the case and its closure task open.
 */
import * as d from '../../src/journey/definitions';
import { JourneyPolicy, loadPolicy } from '../../src/policy';
import { createJourneyHarness, DAY, waitForState, type JourneyHarness } from '../support/journey-harness';
import { advanceTo, complete, openTask, refusal } from '../support/journey-steps';
import { recipientsOf } from '../support/smtp';

const base = loadPolicy('default');
const oneCheckIn = JourneyPolicy.parse({ ...base, stages: base.stages.map((s) => (s.repeat ? { ...s, repeat: { ...s.repeat, times: 1, minTimes: 1 } } : s)) });

let h: JourneyHarness;
beforeAll(async () => {
  h = await createJourneyHarness(oneCheckIn);
  await h.db.prisma.staffMember.create({ data: { id: 'dn-health-manager-2', agencyId: 'dn-health', name: 'Phan Văn Long', email: 'dn-health-manager-2@donghanh.local', role: 'manager' } });
});
afterAll(() => h?.teardown());
beforeEach(() => {
  h.inbox.messages.length = 0;
});

const coordinator = { staffId: 'dn-health-coordinator-1', agencyId: 'dn-health' };
const manager = { staffId: 'dn-health-manager-1', agencyId: 'dn-health' };
const otherManager = { staffId: 'dn-health-manager-2', agencyId: 'dn-health' };

test('closing is a request a manager is told of; the requester may not approve it, another manager closes the case', async () => {
  await h.run(async () => {
    const handle = await h.start('DN-CLOSE-4EYES');
    await openTask(handle, 'reception');
    const asked = await handle.executeUpdate(d.closeCaseUpdate, { args: [{ ...coordinator, reason: 'deceased' }] });
    expect(asked).toEqual({ status: 'active', closureRequested: true });
    expect(await refusal(handle.executeUpdate(d.closeCaseUpdate, { args: [{ ...coordinator, reason: 'transferred' }] }))).toMatch(/^ClosurePending: /);

    const approval = await openTask(handle, 'closure-approval');
    const manager1 = approval.assigneeId!;
    expect(approval).toMatchObject({ stage: 'closure-approval', agencyId: 'dn-health' });
    expect(manager1).toMatch(/^dn-health-manager-/);
    // The manager is told at once (their ladder starts at the approval's deadline): email and SMS.
    const [mail] = await h.inbox.waitFor(1);
    expect(recipientsOf(mail!)).toEqual([`${manager1}@donghanh.local`]);
    expect(mail!.subject).toBe('Đề nghị phê duyệt kết thúc — hồ sơ DN-CLOSE-4EYES');
    const told = await h.db.prisma.notification.findMany({ where: { taskId: approval.id, purpose: 'closure-approval' } });
    expect(told.map((n) => [n.recipientId, n.channel]).sort()).toEqual([[manager1, 'email'], [manager1, 'sms']]);
    expect(await refusal(handle.executeUpdate(d.completeTaskUpdate, { args: [{ taskId: approval.id, ...coordinator }] }))).toMatch(/^InvalidInput: .*settled by a manager/);

    // The same person asking and approving: refused, nothing changes.
    expect(await refusal(handle.executeUpdate(d.approveClosureUpdate, { args: [{ staffId: coordinator.staffId, agencyId: 'dn-health' }] }))).toMatch(/^SameApprover: four eyes/);
    expect((await waitForState(handle, () => true)).status).toBe('active');

    expect(await handle.executeUpdate(d.approveClosureUpdate, { args: [manager] })).toEqual({ status: 'closed', closureReason: 'deceased' });
    const result: d.JourneyState = await handle.result();
    expect(result.tasks.find((t) => t.id === approval.id)).toMatchObject({ status: 'done', outcome: 'approved' });
    expect(result.history.map((e) => e.action)).toEqual(expect.arrayContaining(['closure-requested', 'closure-approved', 'case-closed']));
    expect(result.closureRequest).toBeUndefined();
  });
});

test('completing the closure task asks; a rejection keeps the case and the task open; the next request is approved', async () => {
  await h.run(async () => {
    const handle = await h.start('DN-CLOSE-TASK');
    await advanceTo(handle, 'reintegration');
    await complete(handle, 'community-reintegration');
    await complete(handle, 'social-worker-handover');
    await h.env.sleep(30 * DAY);
    await complete(handle, 'follow-up-check-in', { outcome: 'safe' });
    const closure = await openTask(handle, 'case-closure');

    const asked = await complete(handle, 'case-closure', { outcome: 'reintegrated' }); // by "tester"
    expect(asked).toMatchObject({ id: closure.id, status: 'acknowledged' });
    expect(await refusal(complete(handle, 'case-closure', { outcome: 'reintegrated' }))).toMatch(/^ClosurePending: /);
    expect(await refusal(handle.executeUpdate(d.rejectClosureUpdate, { args: [{ ...manager, reason: 'bogus' as 'other' }] }))).toMatch(/^InvalidInput: /);

    const rejected = await handle.executeUpdate(d.rejectClosureUpdate, { args: [{ ...manager, reason: 'follow_up_needed' }] });
    expect(rejected).toEqual({ status: 'active' });
    let state = await waitForState(handle, (s) => !s.closureRequest);
    expect(state.tasks.find((t) => t.id === closure.id)?.status).toBe('acknowledged');
    expect(state.tasks.find((t) => t.key === 'closure-approval')).toMatchObject({ status: 'done', outcome: 'rejected' });
    expect(await refusal(handle.executeUpdate(d.approveClosureUpdate, { args: [manager] }))).toMatch(/^NoClosureRequest: /);

    await complete(handle, 'case-closure', { outcome: 'reintegrated' });
    state = await waitForState(handle, (s) => s.tasks.some((t) => t.id === 'DN-CLOSE-TASK/closure-approval.2' && t.status === 'open'));
    expect(state.closureRequest).toMatchObject({ reason: 'reintegrated', requestedBy: 'tester', taskId: closure.id });
    await handle.executeUpdate(d.approveClosureUpdate, { args: [otherManager] });
    const result: d.JourneyState = await handle.result();
    expect(result).toMatchObject({ status: 'closed', closureReason: 'reintegrated' });
    expect(result.tasks.find((t) => t.id === closure.id)).toMatchObject({ status: 'done', outcome: 'reintegrated' });
    const row = await h.db.prisma.case.findUniqueOrThrow({ where: { code: 'DN-CLOSE-TASK' } });
    expect(row).toMatchObject({ status: 'closed', closureReason: 'reintegrated' });
  });
});
