/**
 * History size: events per run of a whole journey with twelve months of follow-up, on the
 * time-skipping server (the count does not depend on the machine, so one journey is enough).
 */
import { approveClosureUpdate } from '../src/journey/messages';
import { loadPolicy } from '../src/policy';
import { createJourneyHarness, DAY } from '../test/support/journey-harness';
import { advanceTo, complete } from '../test/support/journey-steps';
import { recordSection } from './support/results';

const GOAL = 2_000;

test('history events per run', async () => {
  const h = await createJourneyHarness(loadPolicy('default'));
  const sizes = await h.run(async () => {
    const handle = await h.start('HIST-YEAR-001');
    // The time-skipping server has no visibility: each run's id is read as the chain moves on.
    const runIds = new Set([handle.firstExecutionRunId]);
    await advanceTo(handle, 'reintegration');
    await complete(handle, 'community-reintegration');
    await complete(handle, 'social-worker-handover');
    for (let round = 1; round <= 12; round++) {
      await h.env.sleep(30 * DAY);
      await complete(handle, 'follow-up-check-in', { outcome: 'safe' });
      runIds.add((await handle.describe()).runId);
    }
    await complete(handle, 'case-closure', { outcome: 'reintegrated' });
    // Four eyes: a manager who did not ask approves the closure.
    await handle.executeUpdate(approveClosureUpdate, { args: [{ staffId: 'dn-health-manager-1', agencyId: 'dn-health' }] });
    await handle.result();
    runIds.add((await handle.describe()).runId);
    const runs: { events: number; bytes: number }[] = [];
    for (const runId of runIds) {
      const history = await h.env.client.workflow.getHandle(handle.workflowId, runId).fetchHistory();
      runs.push({ events: history.events!.length, bytes: JSON.stringify(history).length });
    }
    return runs;
  });
  await h.teardown();
  const events = sizes.map((r) => r.events);
  const max = Math.max(...events);
  recordSection('history', {
    title: 'History: events per run of a 12-month journey with follow-up',
    goal: `<= ${GOAL} events per run`,
    met: max <= GOAL,
    command: 'npm run bench -- bench/history.bench.ts',
    figures: [
      ['runs (continue-as-new between follow-up rounds)', sizes.length],
      ['events per run: max / median / total', `${max} / ${[...events].sort((a, b) => a - b)[Math.floor(events.length / 2)]} / ${events.reduce((a, b) => a + b, 0)}`],
      ['largest run as JSON', `${Math.round(Math.max(...sizes.map((r) => r.bytes)) / 1024)} KiB`],
    ],
  });
}, 600_000);
