/** Jest global teardown: stops the suite's Temporal dev server started by global-setup.ts. */
export default async function globalTeardown(): Promise<void> {
  await globalThis.__temporalSuiteServer?.stop();
  globalThis.__temporalSuiteServer = undefined;
}
