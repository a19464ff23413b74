/**
 * Issue 18, item 3: two worker replicas (src/worker.ts processes, as a deployment runs them) on one
 * task queue of the suite's dev server. One is SIGKILLed while it holds journeys mid-way; the other
 * finishes every journey, and every due message arrived once (Message-ID on the SMTP server, SID
 * on the SMS gateway).
 */
import { randomBytes } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { JourneyState } from '../../src/journey/definitions';
import { connectToSuiteServer } from '../support/temporal';
import { deliveriesOf, eventually, forkWorker, runJourney, startWorkerRig, type WorkerRig } from '../support/worker-processes';

const JOURNEYS = 12;
/**
 * A send the killed worker had started is retried only once its start-to-close timeout (2 minutes,
 * src/workflows/activities-proxy.ts) tells the server that worker is gone: journeys wait that long.
 */
const JOURNEY_TIMEOUT_MS = 300_000;

let rig: WorkerRig;
let env: TestWorkflowEnvironment;
const workers: ReturnType<typeof forkWorker>[] = [];

beforeAll(async () => {
  rig = await startWorkerRig('two-workers');
  env = await connectToSuiteServer();
});
afterAll(async () => {
  for (const { child } of workers) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await Promise.all(workers.map((w) => w.exited));
  await env?.teardown();
  await rig?.close();
});

/** The process ids of the workers that ran the journey's workflow tasks (the SDK's identity is pid@host). */
async function workflowTaskPids(caseCode: string): Promise<Set<number>> {
  const { events } = await env.client.workflow.getHandle(`journey-${caseCode}`).fetchHistory();
  return new Set((events ?? []).flatMap((e) => (e.workflowTaskCompletedEventAttributes?.identity ? [Number(e.workflowTaskCompletedEventAttributes.identity.split('@')[0])] : [])));
}

test('one of two workers is killed mid-journey: the other finishes every journey, no message twice', async () => {
  workers.push(forkWorker(rig), forkWorker(rig));
  for (const worker of workers) {
    await eventually('both workers running', async () => worker.output().includes('"msg":"worker running"'), 120_000).catch((error: Error) => {
      throw new Error(`${error.message}; the worker said:\n${worker.output().slice(-3_000)}`);
    });
  }
  const [doomed, survivor] = workers as [ReturnType<typeof forkWorker>, ReturnType<typeof forkWorker>];
  const run = randomBytes(3).toString('hex').toUpperCase();
  const caseCodes = Array.from({ length: JOURNEYS }, (_, i) => `DN-WT${run}-${String(i + 1).padStart(4, '0')}`);
  const journeys = caseCodes.map((code) => runJourney(env.client, rig, code, JOURNEY_TIMEOUT_MS));
  journeys.forEach((journey) => journey.catch(() => undefined));

  // Kill it once it holds journeys: it ran some of their workflow tasks.
  const held = await eventually(
    'the first worker runs some journeys',
    async () => {
      const mine = [];
      for (const code of caseCodes) if ((await workflowTaskPids(code)).has(doomed.child.pid!)) mine.push(code);
      return mine.length > 0 && mine;
    },
    60_000,
  );
  doomed.child.kill('SIGKILL');
  await doomed.exited;
  // Asked of the server, which needs no worker: the killed worker's journeys were still under way.
  const statuses = await Promise.all(held.map(async (code) => (await env.client.workflow.getHandle(`journey-${code}`).describe()).status.name));
  expect(statuses).toContain('RUNNING');

  const ended: JourneyState[] = await Promise.all(journeys);
  for (const state of ended) expect(state).toMatchObject({ status: 'closed', tasks: [{ status: 'done' }] });
  // The journeys the killed worker had run were finished by the other one.
  for (const code of held) expect((await workflowTaskPids(code)).has(survivor.child.pid!)).toBe(true);
  expect(survivor.child.exitCode).toBeNull();

  const d = await deliveriesOf(rig, caseCodes);
  expect(d.statuses).toEqual(['sent']);
  for (const code of caseCodes) expect([code, d.toldByCase.get(code)]).toEqual([code, d.dueByCase.get(code)]);
  expect([...d.emailArrivals.keys()].sort()).toEqual([...d.expectedMessageIds].sort());
  expect(d.expectedSids.map((sid) => [sid, d.smsArrivals.get(sid)]).filter(([, n]) => n !== 1)).toEqual([]);
  expect(rig.gateway.messages()).toHaveLength(d.expectedSids.length);
}, 480_000);
