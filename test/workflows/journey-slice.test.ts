/**
 * The journey on a real time-skipping Temporal server: SLAs of hours and days fire in seconds,
 * reminders reach a real SMTP server, and acknowledged tasks stay quiet.
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { acknowledgeTaskUpdate, completeTaskUpdate, journeyStateQuery, type JourneyState } from '../../src/journey/definitions';
import { loadPolicy } from '../../src/policy';
import { createJourneyHarness, DAY, HOUR, MINUTE, oneStageAtATime, waitForState, type JourneyHarness } from '../support/journey-harness';
import { recipientsOf } from '../support/smtp';

let h: JourneyHarness;
beforeAll(async () => {
  // Reception's ladder alone: verification opens after it here (journey-intake.test.ts has them together).
  h = await createJourneyHarness(oneStageAtATime(loadPolicy('default')));
});
afterAll(() => h?.teardown());
beforeEach(() => {
  h.inbox.messages.length = 0;
});

const hasOpenTask = (s: JourneyState) => s.tasks.length > 0;
const staffEmail = async (id: string) => (await h.db.prisma.staffMember.findUniqueOrThrow({ where: { id } })).email!;

test('an unacknowledged reception task reminds its assignee exactly at the SLA, in Vietnamese', async () => {
  await h.run(async () => {
    const handle = await h.start('DN-SLICE-001');
    const opened = await waitForState(handle, hasOpenTask);
    const reception = opened.tasks[0]!;
    expect(reception).toMatchObject({ key: 'reception', agencyId: 'dn-health', status: 'open' });
    expect(Date.parse(reception.acknowledgeDueAt) - Date.parse(reception.createdAt)).toBe(4 * HOUR);

    await h.env.sleep(4 * HOUR - MINUTE);
    expect((await handle.query(journeyStateQuery)).tasks[0]!.escalationLevel).toBe(0);
    expect(h.inbox.messages).toHaveLength(0);

    await h.env.sleep(2 * MINUTE);
    const [mail] = await h.inbox.waitFor(1);
    expect(recipientsOf(mail!)).toEqual([await staffEmail(reception.assigneeId!)]);
    expect(mail!.subject).toContain('DN-SLICE-001');
    expect(mail!.text).toContain('cần được xác nhận tiếp nhận');
    expect(mail!.text).toContain('http://127.0.0.1:3000/tasks/DN-SLICE-001%2Freception');
    expect((await handle.query(journeyStateQuery)).tasks[0]!.escalationLevel).toBe(1);
  });
});

test('a task acknowledged in time sends no reminder, but still escalates if not completed in time', async () => {
  await h.run(async () => {
    const handle = await h.start('DN-SLICE-002');
    const reception = (await waitForState(handle, hasOpenTask)).tasks[0]!;
    await h.env.sleep(HOUR);
    await handle.executeUpdate(acknowledgeTaskUpdate, {
      args: [{ taskId: reception.id, staffId: reception.assigneeId!, agencyId: 'dn-health' }],
    });
    await h.env.sleep(DAY - HOUR - MINUTE);
    expect(h.inbox.messages).toHaveLength(0);
    expect((await handle.query(journeyStateQuery)).history.filter((e) => e.action === 'escalated')).toEqual([]);

    await h.env.sleep(2 * MINUTE);
    const [mail] = await h.inbox.waitFor(1);
    expect(mail!.text).toContain('cần được hoàn thành');
  });
});

test('initial verification must be done within 3 days of the notification (Art. 27)', async () => {
  await h.run(async () => {
    const handle = await h.start('DN-SLICE-003');
    const reception = (await waitForState(handle, hasOpenTask)).tasks[0]!;
    await h.env.sleep(2 * HOUR);
    await handle.executeUpdate(completeTaskUpdate, { args: [{ taskId: reception.id, staffId: 'x', agencyId: 'dn-health' }] });
    const state = await waitForState(handle, (s) => s.tasks.length === 3);
    expect(state.stage).toBe('initial-verification');
    const verification = state.tasks.filter((t) => t.stage === 'initial-verification');
    expect(verification.map((t) => t.agencyId).sort()).toEqual(['dn-health', 'dn-police']);
    for (const t of verification) {
      expect(Date.parse(t.completeDueAt) - Date.parse(state.openedAt)).toBe(3 * DAY);
      await handle.executeUpdate(acknowledgeTaskUpdate, { args: [{ taskId: t.id, staffId: 'x', agencyId: t.agencyId }] });
    }
    await h.env.sleep(3 * DAY - 2 * HOUR - MINUTE);
    expect(h.inbox.messages).toHaveLength(0);
    await h.env.sleep(2 * MINUTE);
    const mails = await h.inbox.waitFor(2);
    expect(mails.every((m) => m.subject!.includes('DN-SLICE-003'))).toBe(true);
  });
});

test('the ladder climbs reminder → supervisor → focal point → coordinator and manager, then repeats', async () => {
  await h.run(async () => {
    const handle = await h.start('DN-SLICE-004');
    const reception = (await waitForState(handle, hasOpenTask)).tasks[0]!;
    const assignee = await h.db.prisma.staffMember.findUniqueOrThrow({ where: { id: reception.assigneeId! } });
    const byRole = async (role: string) =>
      (await h.db.prisma.staffMember.findMany({ where: { agencyId: 'dn-health', role } })).map((s) => s.email!).sort();
    const supervisor = (await h.db.prisma.staffMember.findUniqueOrThrow({ where: { id: assignee.supervisorId! } })).email!;

    // The urgent ladder: at the deadline, +2h, +4h, +8h, then every 4h.
    const expected: [number, string[]][] = [
      [4 * HOUR, [assignee.email!]],
      [6 * HOUR, [supervisor]],
      [8 * HOUR, await byRole('focal_point')],
      [12 * HOUR, [...(await byRole('coordinator')), ...(await byRole('manager'))].sort()],
      [16 * HOUR, [...(await byRole('coordinator')), ...(await byRole('manager'))].sort()],
    ];
    let elapsed = 0;
    let seen = 0;
    for (const [at, to] of expected) {
      await h.env.sleep(at - MINUTE - elapsed);
      expect(h.inbox.messages).toHaveLength(seen);
      await h.env.sleep(2 * MINUTE);
      elapsed = at + MINUTE;
      const mails = await h.inbox.waitFor(seen + to.length);
      expect(mails.slice(seen).flatMap(recipientsOf).sort()).toEqual(to);
      seen += to.length;
    }
    expect((await handle.query(journeyStateQuery)).tasks[0]!.escalationLevel).toBe(5);

    await handle.executeUpdate(acknowledgeTaskUpdate, { args: [{ taskId: reception.id, staffId: 'x', agencyId: 'dn-health' }] });
    await h.env.sleep(4 * HOUR);
    expect((await handle.query(journeyStateQuery)).tasks[0]!.escalationLevel).toBeLessThanOrEqual(1);
  });
});

test('a decision that the person is not a victim closes the case as closed-referred, after its referral to other services', async () => {
  await h.run(async () => {
    const handle = await h.start('DN-SLICE-005');
    const complete = async (key: string, outcome?: string) => {
      const task = (await waitForState(handle, (s) => s.tasks.some((t) => t.key === key))).tasks.find((t) => t.key === key)!;
      await handle.executeUpdate(completeTaskUpdate, { args: [{ taskId: task.id, staffId: 'x', agencyId: task.agencyId, outcome }] });
    };
    await complete('reception');
    await complete('verify-initial-information');
    await complete('police-verification');
    await expect(complete('identification-decision')).rejects.toThrow(WorkflowUpdateFailedError);
    await complete('identification-decision', 'not_victim');
    await complete('referral-to-other-services');
    const result = await handle.result();
    expect(result).toMatchObject({ status: 'closed', closureReason: 'closed_referred', stage: 'identification' });
    const row = await h.db.prisma.case.findUniqueOrThrow({ where: { code: 'DN-SLICE-005' } });
    expect(row).toMatchObject({ status: 'closed', closureReason: 'closed_referred' });
  });
});

test('invalid updates are refused with a clear reason and change nothing', async () => {
  await h.run(async () => {
    const handle = await h.start('DN-SLICE-006');
    const reception = (await waitForState(handle, hasOpenTask)).tasks[0]!;
    const attempt = (args: object) => handle.executeUpdate(acknowledgeTaskUpdate, { args: [args as never] });
    const refusal = async (args: object) => {
      const error = await attempt(args).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
      return (error as WorkflowUpdateFailedError).cause;
    };
    expect(await refusal({ taskId: reception.id, staffId: 'x', agencyId: 'dn-police' })).toMatchObject({ type: 'TaskOfAnotherAgency' });
    expect(await refusal({ taskId: 'DN-SLICE-006/nope', staffId: 'x', agencyId: 'dn-health' })).toMatchObject({ type: 'TaskNotFound' });
    expect(await refusal({ taskId: reception.id })).toMatchObject({ type: 'InvalidInput', message: expect.stringContaining('staffId') });
    const before = await handle.query(journeyStateQuery);
    expect(before.tasks[0]!.status).toBe('open');
    expect(before.history.map((e) => e.action)).toEqual(['case-opened', 'stage-started', 'task-opened']);

    await attempt({ taskId: reception.id, staffId: 'x', agencyId: 'dn-health' });
    expect(await refusal({ taskId: reception.id, staffId: 'x', agencyId: 'dn-health' })).toMatchObject({ type: 'TaskAlreadyAcknowledged' });
  });
});
