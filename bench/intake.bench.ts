/**
 * Intake: cases per second through POST /cases, side by side with the client alone on the same
 * server, worker and database in the same run. POST /cases answers once the journey's first
 * tasks are recorded, so the client is measured twice: `workflow.start` alone, and start plus the
 * same wait for the first tasks; the difference between that and POST /cases is the API's own cost.
 */
import { firstTasksRecorded, startJourney } from '../src/client/journeys';
import { storePolicy } from '../src/db/policy-bodies';
import { loadPolicy } from '../src/policy';
import { createApiHarness, uniqueCode, type ApiHarness } from '../test/api/support/harness';
import { until } from '../test/support/until';
import { percentile, recordSection } from './support/results';

const CASES = Number(process.env.BENCH_INTAKE_CASES ?? 200);
const CONCURRENCY = Number(process.env.BENCH_INTAKE_CONCURRENCY ?? 20);
/** Modes alternate round by round, so a drift of the machine's load hits them alike. */
const ROUNDS = 2;

type Mode = 'client start' | 'client start + first tasks' | 'POST /cases';

async function measure(h: ApiHarness, mode: Mode, count: number) {
  const policy = loadPolicy('default');
  const stored = await storePolicy(h.db.prisma, policy);
  const latencies: number[] = [];
  const codes: string[] = [];
  let next = 0;
  const one = async (caseCode: string) => {
    if (mode === 'POST /cases') {
      const res = await h.call('coordinator', 'POST', '/cases', { body: { caseCode, province: 'VN-DN', leadAgencyId: 'dn-health' } });
      if (res.status !== 201) throw new Error(`POST /cases answered ${res.status}: ${res.text}`);
    } else {
      await startJourney(h.client, h.taskQueue, stored, { caseCode, province: 'VN-DN', leadAgencyId: 'dn-health' });
      if (mode === 'client start + first tasks' && !(await firstTasksRecorded(h.client, caseCode, 30_000))) throw new Error(`${caseCode}: first tasks not recorded`);
    }
    h.opened.push(caseCode);
    codes.push(caseCode);
  };
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < count) {
        const s = performance.now();
        await one(uniqueCode('DN'));
        latencies.push(performance.now() - s);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  await settled(h, codes);
  return { seconds, latencies };
}

/**
 * Untimed: waits until every journey of a mode has its reception task recorded, so journeys that
 * `client start` left opening do not slow the next mode down.
 */
async function settled(h: ApiHarness, codes: string[]) {
  const recorded = () => h.db.prisma.task.count({ where: { caseCode: { in: codes }, key: 'reception' } });
  await until(async () => (await recorded()) === codes.length, 'the reception tasks of every journey started', { timeoutMs: 300_000, intervalMs: 200 });
}

test('intake', async () => {
  const h = await createApiHarness({ logLevel: 'warn' });
  const modes: Mode[] = ['client start', 'client start + first tasks', 'POST /cases'];
  const all = new Map<Mode, { seconds: number; latencies: number[] }>(modes.map((m) => [m, { seconds: 0, latencies: [] }]));
  // Warm-up: the first journeys pay for the worker's cache and the database's first pages.
  await measure(h, 'POST /cases', CONCURRENCY);
  for (let round = 0; round < ROUNDS; round++) {
    for (const mode of modes) {
      const r = await measure(h, mode, CASES / ROUNDS);
      const sum = all.get(mode)!;
      sum.seconds += r.seconds;
      sum.latencies.push(...r.latencies);
    }
  }
  const rate = (m: Mode) => CASES / all.get(m)!.seconds;
  const lat = (m: Mode) => {
    const l = all.get(m)!.latencies.sort((a, b) => a - b);
    return `${Math.round(percentile(l, 0.5))} / ${Math.round(percentile(l, 0.99))} ms`;
  };
  const api = rate('POST /cases');
  const sameWait = rate('client start + first tasks');
  const overhead = 1 - api / sameWait;
  recordSection('intake', {
    title: 'Intake: cases per second through POST /cases and through the client',
    goal: '>= 100 cases/s through POST /cases, API overhead <= 20%',
    met: api >= 100 && overhead <= 0.2,
    command: 'npm run bench -- bench/intake.bench.ts',
    figures: [
      ['cases per mode, concurrency', `${CASES}, ${CONCURRENCY}`],
      ...modes.map((m) => [`${m}: cases/s`, rate(m).toFixed(1)] as [string, string]),
      ...modes.map((m) => [`${m}: latency p50 / p99`, lat(m)] as [string, string]),
      ['POST /cases / (client start + first tasks)', `${(api / sameWait).toFixed(2)} (overhead ${(overhead * 100).toFixed(0)}%)`],
      ['POST /cases / client start alone', (api / rate('client start')).toFixed(2)],
    ],
    notes: [
      'A case is opened when its reception task is in the database: POST /cases answers then (it waits on the journey\'s first-tasks update); `client start` alone returns as soon as Temporal accepted the start.',
    ],
  });
  await h.close();
}, 900_000);
