/**
 * One process's parts, stopped in reverse order of start on Ctrl-C, SIGTERM or a fatal error,
 * so nothing (a Temporal dev server above all) outlives the process that started it.
 */
import type { Logger } from './logger';

export class Lifecycle {
  private readonly stops: { name: string; stop: () => Promise<unknown> | unknown }[] = [];
  private stopping = false;

  constructor(private readonly log: Logger) {
    process.once('SIGINT', () => void this.shutdown('SIGINT', 0));
    process.once('SIGTERM', () => void this.shutdown('SIGTERM', 0));
  }

  onStop(name: string, stop: () => Promise<unknown> | unknown): void {
    this.stops.push({ name, stop });
  }

  async shutdown(reason: string, exitCode: number): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.log.info({ reason }, 'stopping');
    for (const { name, stop } of this.stops.reverse()) {
      await Promise.resolve()
        .then(stop)
        .catch((error: unknown) => this.log.error({ err: error, component: name }, 'stop failed'));
    }
    process.exit(exitCode);
  }
}
