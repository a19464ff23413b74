/**
 * Jest global setup: ONE Temporal dev server (in memory, headless, all project search attributes)
 * for the whole run. Starting one per file is slower and flaky on a loaded 2-core machine. Test
 * files reach it through TEMPORAL_TEST_ADDRESS (workers inherit this process's environment).
 *
 * Set TEMPORAL_TEST_ADDRESS yourself to run the tests against a server you already started.
 *
 * It also makes the run's own scratch directory (DH_TEST_RUN_DIR), where test files share what is
 * costly to make and the same for all of them: the bundle of the project's workflows.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findFreePort } from '../../src/local/ports';
import { startDevServer, type DevServer } from '../../src/local/temporal-dev-server';
import { generateCodecKeySpec } from '../../src/temporal/codec-keys';

declare global {
  // Shared with global-teardown.ts, which runs in this same process.
  var __temporalSuiteServer: DevServer | undefined;
  var __testRunDir: string | undefined;
}

export default async function globalSetup(): Promise<void> {
  globalThis.__testRunDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dh-test-run-'));
  process.env.DH_TEST_RUN_DIR = globalThis.__testRunDir;
  // The run's payload codec key (test/support/codec.ts): shared by every file and child process.
  process.env.DH_TEST_CODEC_KEYS ??= generateCodecKeySpec('test1');
  if (process.env.TEMPORAL_TEST_ADDRESS) return;
  const port = await findFreePort();
  const server = await startDevServer(
    { namespace: 'default', port, uiPort: port + 1000, cliPath: process.env.TEMPORAL_CLI_PATH },
    {
      dbFile: null,
      headless: true,
      // Only errors: the server's warnings are routine and would bury test output.
      log: (line) => {
        if (line.includes('level=ERROR')) console.error(`[temporal] ${line}`);
      },
    },
  );
  globalThis.__temporalSuiteServer = server;
  process.env.TEMPORAL_TEST_ADDRESS = server.address;
}
