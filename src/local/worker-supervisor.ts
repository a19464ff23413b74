/**
 * Keeps the journey worker running as a child process of `npm start`: a worker that crashes (or is
 * killed) is started again after a back-off that doubles up to a ceiling, and is reset once a
 * worker has run for a while. On stop the worker gets SIGTERM and drains (src/worker.ts), SIGKILL
 * only past its grace. A crash loses nothing: Temporal hands the crashed worker's tasks to the next.
 *
 * The worker is forked with an IPC channel; when this process dies, even by SIGKILL, the channel
 * closes and the worker stops itself (src/lifecycle.ts), so no worker outlives its supervisor.
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { Logger } from '../logger';

export interface WorkerSupervisorOptions {
  /** The worker's entry module: dist/src/worker.js, or src/worker.ts with a TS loader in nodeArgs. */
  entry: string;
  env: NodeJS.ProcessEnv;
  /** Node options of the child (default: this process's). */
  nodeArgs?: string[];
  log: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** First delay before a restart, its ceiling, and how long a worker must run to reset it. */
  backoff?: { initialMs: number; maxMs: number; resetAfterMs: number };
  /** After SIGTERM on stop: how long to wait before SIGKILL (the worker's grace plus a margin). */
  stopTimeoutMs: number;
  /** 'inherit' (npm start: the worker's log lines on this terminal) or 'pipe' to `onOutput`. */
  output?: 'inherit' | ((chunk: string) => void);
}

export interface WorkerSupervisor {
  /** The running worker's process id, if one runs now. */
  readonly pid: number | undefined;
  /** How many times a worker was started again after it ended. */
  readonly restarts: number;
  stop(): Promise<void>;
}

export const DEFAULT_BACKOFF = { initialMs: 500, maxMs: 30_000, resetAfterMs: 60_000 };

export function superviseWorker(opts: WorkerSupervisorOptions): WorkerSupervisor {
  const backoff = opts.backoff ?? DEFAULT_BACKOFF;
  const output = opts.output ?? 'inherit';
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let restarts = 0;
  let delay = backoff.initialMs;
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;

  const start = () => {
    timer = undefined;
    const startedAt = Date.now();
    const worker = fork(opts.entry, [], {
      env: opts.env,
      execArgv: opts.nodeArgs ?? process.execArgv,
      stdio: output === 'inherit' ? ['ignore', 'inherit', 'inherit', 'ipc'] : ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    if (typeof output === 'function') {
      worker.stdout!.setEncoding('utf8').on('data', output);
      worker.stderr!.setEncoding('utf8').on('data', output);
    }
    child = worker;
    opts.log.info({ workerPid: worker.pid, restarts }, 'worker process started');
    exited = new Promise((resolve) => {
      worker.once('exit', (code, signal) => {
        child = undefined;
        resolve();
        if (stopping) return;
        // A worker that ran long enough was healthy: its crash starts the back-off afresh.
        if (Date.now() - startedAt >= backoff.resetAfterMs) delay = backoff.initialMs;
        opts.log.warn({ workerPid: worker.pid, code, signal, restartInMs: delay }, 'worker process ended: starting it again');
        timer = setTimeout(start, delay);
        delay = Math.min(backoff.maxMs, delay * 2);
        restarts += 1;
      });
    });
    // An IPC write to a dying worker fails; the exit above handles it.
    worker.on('error', (error) => opts.log.error({ err: error }, 'worker process error'));
  };
  start();

  return {
    get pid() {
      return child?.pid;
    },
    get restarts() {
      return restarts;
    },
    async stop() {
      stopping = true;
      if (timer) clearTimeout(timer);
      const worker = child;
      if (!worker) return;
      worker.kill('SIGTERM');
      const force = setTimeout(() => worker.kill('SIGKILL'), opts.stopTimeoutMs);
      await exited;
      clearTimeout(force);
    },
  };
}
