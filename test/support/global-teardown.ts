/** Jest global teardown: stops the suite's Temporal dev server and removes the run's scratch directory (global-setup.ts). */
import fs from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  await globalThis.__temporalSuiteServer?.stop();
  globalThis.__temporalSuiteServer = undefined;
  if (globalThis.__testRunDir) fs.rmSync(globalThis.__testRunDir, { recursive: true, force: true });
  globalThis.__testRunDir = undefined;
}
