import { bundleWorkflowCode, DefaultLogger, Worker, type WorkflowBundle } from '@temporalio/worker';
import { createTimeSkippingEnv, uniqueTaskQueue } from '../support/temporal';
import { FAILURE_CONVERTER_PATH } from '../../src/temporal/codec';
import { testDataConverter } from '../support/codec';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Stage } from '../../src/temporal/search-attributes';
import { sleepForDays, upsertAllSearchAttributes } from './fixtures/workflows';

describe('time-skipping test server (tools/bin/temporal-test-server)', () => {
  let env: TestWorkflowEnvironment;
  let workflowBundle: WorkflowBundle; // bundled once: about a second per bundle on this machine
  const newWorker = (taskQueue: string) => Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle, dataConverter: testDataConverter });
  beforeAll(async () => {
    [env, workflowBundle] = await Promise.all([
      createTimeSkippingEnv({ searchAttributes: true }),
      bundleWorkflowCode({ workflowsPath: require.resolve('./fixtures/workflows'), failureConverterPath: FAILURE_CONVERTER_PATH, logger: new DefaultLogger('WARN') }),
    ]);
  });
  afterAll(async () => {
    await env?.teardown();
  });

  it('runs a workflow that sleeps 30 days in seconds', async () => {
    expect(env.supportsTimeSkipping).toBe(true);
    const taskQueue = uniqueTaskQueue();
    const worker = await newWorker(taskQueue);
    const started = Date.now();
    const result = await worker.runUntil(
      env.client.workflow.execute(sleepForDays, { args: [30], taskQueue, workflowId: uniqueTaskQueue('sleep') }),
    );
    expect(result).toBe('slept 30 days');
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('has the project search attributes when asked for them', async () => {
    const taskQueue = uniqueTaskQueue();
    const worker = await newWorker(taskQueue);
    const handle = await env.client.workflow.start(upsertAllSearchAttributes, { taskQueue, workflowId: uniqueTaskQueue('sa') });
    await worker.runUntil(handle.result());
    expect((await handle.describe()).typedSearchAttributes.get(Stage)).toBe('intake');
  });
});
