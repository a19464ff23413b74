/**
 * One process's parts, stopped in reverse order of start on Ctrl-C, SIGTERM or a fatal error,
 * so nothing (a Temporal dev server above all) outlives the process that started it.
 */
import { config as loadConfig, ConfigError, type Config } from './config';
import { createLogger, type Logger } from './logger';
import { installTemporalRuntime } from './metrics/sdk-runtime';

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
    let failed = false;
    for (const { name, stop } of this.stops.reverse()) {
      await Promise.resolve()
        .then(stop)
        .catch((error: unknown) => {
          failed = true;
          this.log.error({ err: error, component: name }, 'stop failed');
        });
    }
    // A part that could not stop cleanly (a worker past its grace period) is not a clean exit.
    process.exit(exitCode || (failed ? 1 : 0));
  }
}

/**
 * Runs a process's start-up with the config read and validated once; a failure is logged in plain
 * words and stops whatever had started. The SDK's own info lines (bundling, worker states) are
 * kept below warnings: they would bury what a person needs to read. The SDK's runtime metrics
 * are exported on a loopback port and served with ours by /metrics (src/metrics).
 */
export async function launch(startUp: (cfg: Config, log: Logger, life: Lifecycle) => Promise<void>): Promise<void> {
  let cfg: Config;
  try {
    cfg = loadConfig();
  } catch (error) {
    // Every problem with its variable's name, without a stack trace in the way.
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
  const log = createLogger(cfg.logLevel);
  const life = new Lifecycle(log);
  try {
    // Before any connection: the SDK's runtime (its logger and its Prometheus exporter) is set once per process.
    await installTemporalRuntime(cfg.logLevel === 'debug' || cfg.logLevel === 'trace' ? 'DEBUG' : 'WARN');
    await startUp(cfg, log, life);
  } catch (error) {
    log.error(error instanceof Error ? error.message : String(error));
    await life.shutdown('start-up failed', 1);
  }
}
