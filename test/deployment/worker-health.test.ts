/**
 * The worker's production settings and health endpoint with a real Worker on the suite's dev
 * server: 503 before it runs, 200 while it runs, 503 while it drains a running activity after
 * shutdown, and the grace period lets that activity finish.
 */
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { Context } from '@temporalio/activity';
import { NativeConnection, Worker } from '@temporalio/worker';
import { parseConfig } from '../../src/config';
import { SHUTDOWN_FORCE_MARGIN_MS, workerOptionsFromConfig } from '../../src/worker';
import { startWorkerHealth, type WorkerHealth } from '../../src/worker-health';
import { testDataConverter } from '../support/codec';
import { suiteServerAddress, uniqueTaskQueue } from '../support/temporal';
import { until } from '../support/until';

const health = async (h: WorkerHealth) => {
  const res = await fetch(h.url);
  return { status: res.status, body: (await res.json()) as { worker: string } };
};


test('WORKER_* settings become Worker options (unset tuning left to the SDK, but for the cache)', () => {
  const tuned = parseConfig({
    WORKER_SHUTDOWN_GRACE: '30s',
    WORKER_MAX_CONCURRENT_ACTIVITIES: '50',
    WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '20',
    WORKER_MAX_CACHED_WORKFLOWS: '300',
    WORKER_WORKFLOW_POLLERS: '4',
    WORKER_ACTIVITY_POLLERS: '6',
  });
  expect(workerOptionsFromConfig(tuned.worker)).toEqual({
    shutdownGraceTime: 30_000,
    shutdownForceTime: 30_000 + SHUTDOWN_FORCE_MARGIN_MS,
    maxConcurrentActivityTaskExecutions: 50,
    maxConcurrentWorkflowTaskExecutions: 20,
    maxCachedWorkflows: 300,
    workflowTaskPollerBehavior: { type: 'simple-maximum', maximum: 4 },
    activityTaskPollerBehavior: { type: 'simple-maximum', maximum: 6 },
  });
  expect(workerOptionsFromConfig(parseConfig({}).worker)).toEqual({ shutdownGraceTime: 20_000, shutdownForceTime: 20_000 + SHUTDOWN_FORCE_MARGIN_MS, maxCachedWorkflows: 600 });
});

test('GET /healthz follows the worker: 503 before it runs, 200 running, 503 draining and stopped', async () => {
  const taskQueue = uniqueTaskQueue('drain');
  const connection = await NativeConnection.connect({ address: suiteServerAddress() });
  const clientConnection = await Connection.connect({ address: suiteServerAddress() });
  const client = new Client({ connection: clientConnection, dataConverter: testDataConverter });
  let activityStarted!: () => void;
  const started = new Promise<void>((resolve) => (activityStarted = resolve));
  let release!: (value: string) => void;
  const worker = await Worker.create({
    ...workerOptionsFromConfig(parseConfig({ WORKER_SHUTDOWN_GRACE: '2m' }).worker),
    connection,
    taskQueue,
    workflowsPath: path.join(__dirname, 'fixtures/drain-workflows.ts'),
    dataConverter: testDataConverter,
    activities: {
      // Like a well-behaved activity, it gives up when cancelled: at the end of the grace period.
      hold: () =>
        Promise.race([
          new Promise<string>((resolve) => {
            release = resolve;
            activityStarted();
          }),
          Context.current().cancelled,
        ]),
    },
  });
  const h = await startWorkerHealth(() => worker.getState(), { host: '127.0.0.1', port: 0 });
  const workflowId = `drain-${taskQueue}`;
  try {
    expect(await health(h)).toEqual({ status: 503, body: { worker: 'INITIALIZED' } });
    const running = worker.run();
    expect(await until(async () => { const r = await health(h); return r.status === 200 && r; }, 'the worker healthy', 30_000)).toEqual({ status: 200, body: { worker: 'RUNNING' } });

    await client.workflow.start('holdsAnActivity', { taskQueue, workflowId });
    await started;
    worker.shutdown();
    // Within the grace period the activity keeps running; meanwhile no new work should come here.
    const draining = await health(h);
    expect(draining.status).toBe(503);
    expect(['STOPPING', 'DRAINING']).toContain(draining.body.worker);

    release('finished');
    await running; // the grace period let it finish: no GracefulShutdownPeriodExpiredError
    expect(await health(h)).toEqual({ status: 503, body: { worker: 'STOPPED' } });
    const completed = (await client.workflow.getHandle(workflowId).fetchHistory()).events?.some((e) => e.activityTaskCompletedEventAttributes);
    expect(completed).toBe(true);
  } finally {
    await client.workflow.getHandle(workflowId).terminate('test over').catch(() => undefined);
    await h.close();
    await connection.close();
    await clientConnection.close();
  }
});

test('other paths and methods are refused', async () => {
  const h = await startWorkerHealth(() => 'RUNNING', { host: '127.0.0.1', port: 0 });
  try {
    expect((await fetch(h.url.replace('/healthz', '/'))).status).toBe(404);
    const post = await fetch(h.url, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  } finally {
    await h.close();
  }
});
