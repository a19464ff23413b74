/**
 * `npm run bench`: how fast journeys start and replay on this machine, with real components
 * (the Temporal dev server, a worker, SQLite). Writes bench/results.json and prints a table.
 * Numbers, never assertions: compare them across commits.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../src/activities';
import { startJourney } from '../src/client/journeys';
import { storePolicy } from '../src/db/policy-bodies';
import { loadPolicy } from '../src/policy';
import { mailerFor, startInbox } from '../test/support/smtp';
import { connectToSuiteServer, journeyWorkflowBundle, uniqueTaskQueue } from '../test/support/temporal';
import { createTestDatabase } from '../test/support/test-database';

const JOURNEYS = 100;
const CONCURRENCY = 10;
const REPLAY_ROUNDS = 5;

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;

test('benchmark', async () => {
  const testDb = await createTestDatabase();
  const { db } = testDb;
  const inbox = await startInbox();
  const mailer = mailerFor(inbox);
  const env = await connectToSuiteServer();
  const taskQueue = uniqueTaskQueue('bench');
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowsPath: require.resolve('../src/workflows'),
    activities: createActivities({ db, mailer, publicBaseUrl: 'http://127.0.0.1:3000' }),
  });
  const policy = await storePolicy(db.prisma, loadPolicy('default'));
  const run = Date.now().toString(36).toUpperCase();

  const latencies: number[] = [];
  const started = Date.now();
  await worker.runUntil(async () => {
    let next = 0;
    const lane = async () => {
      while (next < JOURNEYS) {
        const caseCode = `BENCH-${run}-${next++}`;
        const t0 = performance.now();
        await startJourney(env.client, taskQueue, policy, { caseCode, province: 'VN-DN', leadAgencyId: 'dn-health' });
        // Opened = the reception task is assigned and in the database.
        while (!(await db.prisma.task.findUnique({ where: { id: `${caseCode}/reception` } }))) await new Promise((r) => setTimeout(r, 5));
        latencies.push(performance.now() - t0);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, lane));
    await Promise.all(Array.from({ length: JOURNEYS }, (_, i) => env.client.workflow.getHandle(`journey-BENCH-${run}-${i}`).terminate('bench done')));
  });
  const elapsedS = (Date.now() - started) / 1000;
  latencies.sort((a, b) => a - b);

  const historiesDir = path.join(__dirname, '..', 'test', 'histories');
  const histories = fs.readdirSync(historiesDir).filter((f) => f.endsWith('.json'))
    .map((f) => ({ workflowId: f, history: historyFromJSON(JSON.parse(fs.readFileSync(path.join(historiesDir, f), 'utf8'))) }));
  // Bundled once: the measure is the replay, not webpack.
  const workflowBundle = await journeyWorkflowBundle();
  const replayStart = performance.now();
  for (let i = 0; i < REPLAY_ROUNDS; i++) {
    for await (const r of Worker.runReplayHistories({ workflowBundle }, histories)) if (r.error) throw r.error;
  }
  const replayMs = (performance.now() - replayStart) / (REPLAY_ROUNDS * histories.length);

  const results = {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version },
    openCase: {
      journeys: JOURNEYS,
      concurrency: CONCURRENCY,
      throughputPerSecond: Number((JOURNEYS / elapsedS).toFixed(1)),
      latencyMs: { p50: Math.round(percentile(latencies, 0.5)), p95: Math.round(percentile(latencies, 0.95)), max: Math.round(latencies.at(-1)!) },
    },
    replay: { histories: histories.length, rounds: REPLAY_ROUNDS, msPerHistory: Math.round(replayMs) },
  };
  fs.writeFileSync(path.join(__dirname, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);

  await env.teardown();
  mailer.close();
  await inbox.close();
  await testDb.close();
}, 600_000);
