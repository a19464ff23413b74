/**
 * Open journeys per worker: many journeys waiting on their timers, held by one real worker
 * process (src/worker.ts, as a replica runs it); its memory (RSS) and CPU once they all rest.
 */
import { TEST_CODEC_KEYS } from '../test/support/codec';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startJourney } from '../src/client/journeys';
import { storePolicy } from '../src/db/policy-bodies';
import { findFreePort } from '../src/local/ports';
import { generateKeySpec } from '../src/personal-data/crypto';
import { loadPolicy } from '../src/policy';
import { connectToSuiteServer, suiteServerAddress, uniqueTaskQueue } from '../test/support/temporal';
import { createTestDatabase } from '../test/support/test-database';
import { recordSection } from './support/results';

const JOURNEYS = Number(process.env.BENCH_OPEN_JOURNEYS ?? 10_000);
const REST_SECONDS = 30;
const root = path.resolve(__dirname, '..');
const CLOCK_TICKS = 100; // USER_HZ on Linux

/** VmRSS / VmHWM in MiB and CPU seconds of a process, from /proc. */
function usage(pid: number) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(status.match(new RegExp(`${field}:\\s+(\\d+) kB`))?.[1] ?? NaN);
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return { rssMiB: kib('VmRSS') / 1024, peakMiB: kib('VmHWM') / 1024, cpuSeconds: (Number(stat[11]) + Number(stat[12])) / CLOCK_TICKS };
}

test('open journeys per worker', async () => {
  const testDb = await createTestDatabase();
  const env = await connectToSuiteServer();
  const taskQueue = uniqueTaskQueue('bench-open');
  const healthPort = await findFreePort();
  // The worker as a replica runs it: compiled, loading the built workflow bundle. From source
  // (BENCH_WORKER=source) it also bundles the workflows with webpack, whose memory it keeps.
  const fromSource = process.env.BENCH_WORKER === 'source';
  if (!fromSource && spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'inherit' }).status !== 0) throw new Error('npm run build failed');
  const child = spawn(process.execPath, fromSource ? ['-r', './test/support/swc-register.js', 'src/worker.ts'] : ['dist/src/worker.js'], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      DATABASE_URL: testDb.databaseUrl,
      TEMPORAL_ADDRESS: suiteServerAddress(),
      TEMPORAL_CODEC_KEYS: TEST_CODEC_KEYS,
      TEMPORAL_TASK_QUEUE: taskQueue,
      SMTP_HOST: '127.0.0.1',
      TWILIO_BASE_URL: 'http://127.0.0.1:9',
      TWILIO_ACCOUNT_SID: `AC${'1'.repeat(32)}`,
      TWILIO_AUTH_TOKEN: 'bench-token',
      ACTION_LINK_SECRET: 'x'.repeat(40),
      PERSONAL_DATA_KEYS: generateKeySpec('k1'),
      WORKER_HEALTH_PORT: String(healthPort),
      LOG_LEVEL: 'warn',
      // As npm start and the Dockerfile run it (src/local/start.ts).
      MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const healthy = async () => (await fetch(`http://127.0.0.1:${healthPort}/healthz`).catch(() => null))?.status === 200;
  while (!(await healthy())) {
    if (child.exitCode !== null) throw new Error(`the worker exited with ${child.exitCode}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const idle = usage(child.pid!);

  const policy = loadPolicy('default');
  const run = Date.now().toString(36).toUpperCase();
  const stored = await storePolicy(testDb.db.prisma, policy);
  const t0 = performance.now();
  for (let i = 0; i < JOURNEYS; i += 100) {
    await Promise.all(Array.from({ length: Math.min(100, JOURNEYS - i) }, (_, k) => startJourney(env.client, taskQueue, stored, { caseCode: `OPEN-${run}-${i + k}`, province: 'VN-DN', leadAgencyId: 'dn-health' })));
  }
  // Resting = every journey's reception task is recorded and nothing more is due for hours.
  // Counted by reception, which every journey opens once (verification opens beside it).
  while ((await testDb.db.prisma.task.count({ where: { caseCode: { startsWith: `OPEN-${run}-` }, key: 'reception' } })) < JOURNEYS) await new Promise((r) => setTimeout(r, 1000));
  const loadedSeconds = (performance.now() - t0) / 1000;
  await new Promise((r) => setTimeout(r, 5000));
  const before = usage(child.pid!);
  await new Promise((r) => setTimeout(r, REST_SECONDS * 1000));
  const after = usage(child.pid!);
  const cpuShare = (after.cpuSeconds - before.cpuSeconds) / REST_SECONDS;

  recordSection('openJourneys', {
    title: 'Open journeys per worker: memory and CPU at rest',
    goal: `${JOURNEYS} journeys waiting on timers in one worker, RSS <= 1 GiB`,
    met: after.rssMiB <= 1024 && after.peakMiB <= 1024,
    command: 'npm run bench -- bench/open-journeys.bench.ts',
    figures: [
      ['journeys open (each waiting on its reception timers)', JOURNEYS],
      ['worker RSS before any journey', `${idle.rssMiB.toFixed(0)} MiB`],
      ['worker RSS at rest', `${after.rssMiB.toFixed(0)} MiB`],
      ['worker peak RSS while opening them', `${after.peakMiB.toFixed(0)} MiB`],
      [`worker CPU at rest (${REST_SECONDS} s)`, `${(cpuShare * 100).toFixed(1)}% of one core`],
      ['time to open them all', `${loadedSeconds.toFixed(0)} s (${(JOURNEYS / loadedSeconds).toFixed(0)}/s)`],
    ],
    notes: [
      'The worker runs compiled, as a replica runs it, with its defaults (600 journeys cached, MALLOC_ARENA_MAX=2); evicted journeys are replayed from history when their next timer fires.',
    ],
  });

  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  await Promise.all(
    Array.from({ length: JOURNEYS }, (_, i) => env.client.workflow.getHandle(`journey-OPEN-${run}-${i}`).terminate('benchmark done').catch(() => undefined)),
  );
  await env.teardown();
  await testDb.close();
}, 1_800_000);
