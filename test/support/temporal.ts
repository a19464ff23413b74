/**
 * Temporal helpers for test files. Two kinds of server, on purpose:
 * - the suite's dev server (started once in global-setup.ts): a real server with the project's
 *   search attributes, for integration tests; share it, isolate with unique task queues/ids;
 * - a time-skipping test server per file (`createTimeSkippingEnv`), for timers of days or weeks.
 * Both use the local binaries from tools/bin; nothing is downloaded. Clients of both use the
 * payload codec (testDataConverter); workers must be given it too.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, type WorkflowBundleOption } from '@temporalio/worker';
import { resolveTestServer } from '../../src/local/temporal-binaries';
import { FAILURE_CONVERTER_PATH } from '../../src/temporal/codec';
import { registerSearchAttributes } from '../../src/temporal/search-attributes';
import { testDataConverter } from './codec';

// The SDK logs every worker state change at INFO; in tests that buries the failures. Must run
// before the first Runtime use, hence at import; each test file has its own module registry.
try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  // already installed in this module registry: keep it
}

/** Address of the suite's dev server. */
export function suiteServerAddress(): string {
  const address = process.env.TEMPORAL_TEST_ADDRESS;
  if (!address) throw new Error('TEMPORAL_TEST_ADDRESS is not set: run tests through jest (test/support/global-setup.ts)');
  return address;
}

/** An environment on the suite's dev server; `teardown()` closes connections, not the server. */
export function connectToSuiteServer(namespace = 'default'): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createFromExistingServer({ address: suiteServerAddress(), namespace, client: { dataConverter: testDataConverter } });
}

/**
 * A fresh time-skipping server for this file; call `teardown()` in afterAll. It starts with no
 * custom search attributes: pass `searchAttributes: true` to register the project's (needed by
 * workflows that upsert them).
 */
export async function createTimeSkippingEnv(opts: { searchAttributes?: boolean } = {}): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: resolveTestServer(process.env.TEMPORAL_TEST_SERVER_PATH) },
    client: { dataConverter: testDataConverter },
  });
  if (opts.searchAttributes) await registerSearchAttributes(env.connection, 'default');
  return env;
}

/** A task queue no other test file uses, so workers of parallel files never steal each other's tasks. */
export function uniqueTaskQueue(prefix = 'test'): string {
  return `${prefix}-${randomUUID()}`;
}

const quietBundler = { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} };

/**
 * The project's workflows (src/workflows), bundled once per test run for `Worker.create`: the first
 * file that needs them writes the bundle to the run's scratch directory (global-setup.ts), the
 * others load it from there. The same code a worker given `workflowsPath` would bundle itself.
 */
export async function journeyWorkflowBundle(): Promise<WorkflowBundleOption> {
  // With the codec's failure converter, as a worker given `workflowsPath` and the data converter bundles it.
  const make = () => bundleWorkflowCode({ workflowsPath: require.resolve('../../src/workflows'), failureConverterPath: FAILURE_CONVERTER_PATH, logger: quietBundler });
  const runDir = process.env.DH_TEST_RUN_DIR;
  if (!runDir) return make();
  const file = path.join(runDir, 'journey-workflows.js');
  if (fs.existsSync(file)) return { codePath: file };
  const bundle = await make();
  // Written whole, then renamed: a file reading it meanwhile never sees half a bundle.
  const partial = `${file}.${process.pid}.${randomUUID()}`;
  fs.writeFileSync(partial, bundle.code);
  fs.renameSync(partial, file);
  return bundle;
}
