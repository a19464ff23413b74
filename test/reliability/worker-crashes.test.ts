/**
 * Issue 17, reliability 1: the worker dies by SIGKILL at random points, 20 times, while 50
 * journeys run on the suite's dev server; npm start's supervisor (src/local/worker-supervisor.ts)
 * starts it again each time. Every journey still ends with every task done, and every message
 * that fell due arrived exactly once: counted on the SMTP server by Message-ID and on the SMS
 * gateway by SID, against the outbox rows the workers wrote.
 *
 * The policy's durations are seconds (QUICK_POLICY) and journeys start in small groups between
 * kills, so each kill lands among journeys at every point: mid-escalation, mid-send, mid-update.
 */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { randomBytes } from 'node:crypto';
import { createLogger } from '../../src/logger';
import { superviseWorker, type WorkerSupervisor } from '../../src/local/worker-supervisor';
import type { JourneyState } from '../../src/journey/definitions';
import { connectToSuiteServer } from '../support/temporal';
import { deliveriesOf, eventually, runJourney, startWorkerRig, SWC_REGISTER, WORKER_ENTRY, type WorkerRig } from '../support/worker-processes';

const JOURNEYS = 50;
const KILLS = 20;
/**
 * Generous: the first journeys live through all twenty worker starts (seconds each on a loaded
 * 2-core machine), and a send that a kill interrupted is retried once its missed heartbeats
 * (15 s, src/workflows/activities-proxy.ts) tell the server the worker is gone.
 */
const JOURNEY_TIMEOUT_MS = 600_000;

let rig: WorkerRig;
let env: TestWorkflowEnvironment;
let supervisor: WorkerSupervisor | undefined;
let output = '';

beforeAll(async () => {
  rig = await startWorkerRig('worker-crashes');
  env = await connectToSuiteServer();
});
afterAll(async () => {
  await supervisor?.stop();
  await env?.teardown();
  await rig?.close();
});

const runningLines = () => output.split('\n').filter((line) => line.includes('"msg":"worker running"')).length;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test(`${KILLS} SIGKILLs of the worker during ${JOURNEYS} journeys: every journey ends, every due message arrives once`, async () => {
  supervisor = superviseWorker({
    entry: WORKER_ENTRY,
    env: rig.workerEnv,
    nodeArgs: SWC_REGISTER,
    log: createLogger('silent'),
    backoff: { initialMs: 100, maxMs: 1_000, resetAfterMs: 60_000 },
    stopTimeoutMs: 10_000,
    output: (chunk) => (output += chunk),
  });
  const run = randomBytes(3).toString('hex').toUpperCase();
  const caseCodes = Array.from({ length: JOURNEYS }, (_, i) => `DN-WC${run}-${String(i + 1).padStart(4, '0')}`);
  const journeys: Promise<JourneyState>[] = [];
  const startNext = (count: number) => {
    for (const code of caseCodes.slice(journeys.length, journeys.length + count)) {
      const journey = runJourney(env.client, rig, code, JOURNEY_TIMEOUT_MS);
      journey.catch(() => undefined); // awaited below; a failed kill loop must not leave it unhandled
      journeys.push(journey);
    }
  };

  const perKill = Math.ceil(JOURNEYS / KILLS);
  for (let kill = 0; kill < KILLS; kill++) {
    // Kill a worker that runs (not one still starting), at a random point of its life.
    await eventually(`worker start ${kill + 1}`, async () => runningLines() > kill && supervisor!.pid, 180_000).catch((error: Error) => {
      throw new Error(`${error.message}; the workers said:\n${output.slice(-3_000)}`);
    });
    startNext(perKill);
    await sleep(200 + Math.random() * 2_500);
    process.kill(supervisor.pid!, 'SIGKILL');
  }
  startNext(JOURNEYS);
  const ended = await Promise.all(journeys);

  expect(supervisor.restarts).toBeGreaterThanOrEqual(KILLS);
  for (const state of ended) {
    expect(state).toMatchObject({ status: 'closed', closureReason: 'reintegrated' });
    expect(state.tasks.map((t) => t.status)).toEqual(['done']);
  }
  const tasks = await rig.database.db.prisma.task.findMany({ where: { caseCode: { in: caseCodes } } });
  expect(tasks).toHaveLength(JOURNEYS);
  expect(tasks.every((t) => t.status === 'done')).toBe(true);

  const d = await deliveriesOf(rig, caseCodes);
  expect(d.statuses).toEqual(['sent']);
  for (const code of caseCodes) expect([code, d.toldByCase.get(code)]).toEqual([code, d.dueByCase.get(code)]);
  // Email: each recorded message reached the SMTP server under its own Message-ID, and no other
  // Message-ID came. SMTP cannot be asked what it took, so a kill between its acceptance and the
  // record resends under the same Message-ID (src/notifications/README.md): one message to a reader.
  expect(new Set(d.expectedMessageIds).size).toBe(d.expectedMessageIds.length);
  expect([...d.emailArrivals.keys()].sort()).toEqual([...d.expectedMessageIds].sort());
  // SMS: each recorded SID is at the gateway once, and the gateway holds nothing more.
  expect(d.expectedSids.map((sid) => [sid, d.smsArrivals.get(sid)]).filter(([, n]) => n !== 1)).toEqual([]);
  expect(rig.gateway.messages()).toHaveLength(d.expectedSids.length);
}, 900_000);
