/**
 * A whole journey over a year on the time-skipping server: every stage, twelve monthly check-ins
 * (one missed, one failed and reopening support), continue-as-new between rounds, closure.
 */
import * as d from '../../src/journey/definitions';
import { loadPolicy } from '../../src/policy';
import { createJourneyHarness, DAY, MINUTE, waitForState, type JourneyHarness } from '../support/journey-harness';
import { advanceTo, complete, openTask } from '../support/journey-steps';
import { recipientsOf } from '../support/smtp';
import { PROVIDERS } from '../support/throwaway-database';

const MAX_EVENTS_PER_RUN = 2_000;

// The journey that touches the most of the data layer runs on both databases the product supports.
describe.each(PROVIDERS)('on %s', (provider) => {
  let h: JourneyHarness;
  beforeAll(async () => {
    h = await createJourneyHarness(loadPolicy('default'), provider);
  });
  afterAll(() => h?.teardown());

  test('a year of follow-up keeps every run small, escalates a missed check-in and reopens support after a failed one', async () => {
    await h.run(async () => {
      const handle = await h.start('DN-YEAR-001');
      await advanceTo(handle, 'reintegration');
      await complete(handle, 'community-reintegration');
      await complete(handle, 'social-worker-handover');
      const runIds = new Set<string>();

      for (let round = 1; round <= 12; round++) {
        await h.env.sleep(30 * DAY);
        const id = `DN-YEAR-001/follow-up-check-in${round === 1 ? '' : `.${round}`}`;
        const state = await waitForState(handle, (s) => s.tasks.some((t) => t.id === id));
        expect(state).toMatchObject({ stage: 'follow-up', round: round - 1 });
        const checkIn = state.tasks.find((t) => t.id === id)!;
        expect(checkIn.agencyId).toBe('dn-commune-hoa-vang');

        if (round === 3) {
          // Missed: nobody acknowledges within 3 days, so the assignee is reminded.
          h.inbox.messages.length = 0;
          await h.env.sleep(3 * DAY + MINUTE);
          const [mail] = await h.inbox.waitFor(1);
          const assignee = await h.db.prisma.staffMember.findUniqueOrThrow({ where: { id: checkIn.assigneeId! } });
          expect(recipientsOf(mail!)).toEqual([assignee.email]);
          expect(mail!.subject).toContain('DN-YEAR-001');
        }
        if (round === 5) {
          await complete(handle, 'follow-up-check-in', { outcome: 'needs_support' });
          const reopened = await openTask(handle, 'needs-assessment');
          expect(reopened.id).toBe('DN-YEAR-001/needs-assessment.2');
          await complete(handle, 'needs-assessment', { plan: ['psychological-support'] });
          await complete(handle, 'psychological-support');
        } else {
          await complete(handle, 'follow-up-check-in', { outcome: 'safe' });
        }
        runIds.add((await handle.describe()).runId);
      }

      await complete(handle, 'case-closure', { outcome: 'reintegrated' });
      // Four eyes (the policy's closureApproval): a manager who did not ask approves.
      await waitForState(handle, (s) => s.closureRequest !== undefined);
      await handle.executeUpdate(d.approveClosureUpdate, { args: [{ staffId: 'dn-health-manager-1', agencyId: 'dn-health' }] });
      const result = await handle.result();
      expect(result).toMatchObject({ status: 'closed', closureReason: 'reintegrated', stage: 'closure' });
      expect(result.tasks.filter((t: d.TaskState) => t.key === 'follow-up-check-in')).toHaveLength(12);

      // Continue-as-new between rounds: many runs, each far below the limit.
      const runs = await Promise.all(
        [...runIds].map(async (runId) => (await h.env.client.workflow.getHandle(handle.workflowId, runId).fetchHistory()).events!.length),
      );
      expect(runIds.size).toBeGreaterThanOrEqual(11);
      for (const events of runs) expect(events).toBeLessThan(MAX_EVENTS_PER_RUN);

      // Everything the journey did is also in the database, in order, once.
      const actions = await h.db.prisma.journeyAction.findMany({ where: { caseCode: 'DN-YEAR-001' }, orderBy: { seq: 'asc' } });
      expect(actions.map((a) => a.seq)).toEqual(result.history.map((e: d.HistoryEntry) => e.seq));
      expect(await h.db.prisma.case.findUniqueOrThrow({ where: { code: 'DN-YEAR-001' } })).toMatchObject({ status: 'closed', closureReason: 'reintegrated' });
    });
  }, 120_000);
});
