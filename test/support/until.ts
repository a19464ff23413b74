/**
 * The tests' one way to wait for something another process or the server does: poll `probe`
 * until it gives a value that is not false, null or undefined, or fail naming what was awaited.
 * With `retryErrors`, a probe that throws is tried again (a namespace or a worker not there yet),
 * and its last error is in the timeout's message.
 */
export interface UntilOptions {
  timeoutMs?: number;
  intervalMs?: number;
  retryErrors?: boolean;
}

export async function until<T>(probe: () => T | Promise<T>, what: string | (() => string), options: number | UntilOptions = {}): Promise<Exclude<T, false | null | undefined>> {
  const { timeoutMs = 15_000, intervalMs = 25, retryErrors = false } = typeof options === 'number' ? { timeoutMs: options } : options;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value as Exclude<T, false | null | undefined>;
    } catch (error) {
      if (!retryErrors) throw error;
      lastError = error;
    }
    if (Date.now() > deadline) {
      const name = typeof what === 'function' ? what() : what;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${name}${lastError ? ` (last error: ${String(lastError)})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
