/**
 * Runs the embedded Temporal server (`temporal server start-dev`) as a child process: SQLite
 * persistence, Web UI, the project's search attributes, bound to 127.0.0.1 only. Used by `npm
 * start` when no TEMPORAL_ADDRESS is set, and once per jest run by the test global setup.
 *
 * We spawn the CLI ourselves instead of using the SDK's `createLocal` because that waits only 5 s
 * (too short on a loaded 2-core machine), cannot keep a UI for people, and hides the server output.
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import type { Config } from '../config';
import { guardedCommand } from './exit-with-parent';
import { assertPortFree, canConnect } from './ports';
import { resolveTemporalCli } from './temporal-binaries';
import { SEARCH_ATTRIBUTE_KEYS, searchAttributeCliArgs } from '../temporal/search-attributes';

const HOST = '127.0.0.1';

export type EmbeddedServerConfig = Pick<Config['temporal'], 'namespace' | 'port' | 'uiPort' | 'cliPath'> &
  Partial<Pick<Config['temporal'], 'dbFile'>>;

export interface DevServerOptions {
  /** SQLite file (its folder is created); `null` keeps everything in memory. Default: config's dbFile. */
  dbFile?: string | null;
  /** No Web UI (tests). */
  headless?: boolean;
  /** The codec server the Web UI decodes payloads through (`--ui-codec-endpoint`). */
  codecEndpoint?: string;
  /** Receives each line the server prints (warnings and errors at --log-level warn). */
  log?: (line: string) => void;
  /** How long to wait for the server to serve. */
  startTimeoutMs?: number;
  /** How long `stop()` waits after SIGTERM before SIGKILL. */
  stopTimeoutMs?: number;
  /**
   * Run the server under src/local/exit-with-parent, so it stops even when this process is
   * SIGKILLed (npm start). Needs this process to run compiled JS, or `guardNodeArgs` with a TS loader.
   */
  guard?: boolean;
  guardNodeArgs?: string[];
}

export interface DevServer {
  address: string;
  /** undefined when headless */
  uiUrl: string | undefined;
  /** Settles with the reason when the server process ends, for whoever supervises it. */
  exited: Promise<string>;
  stop(): Promise<void>;
}

export async function startDevServer(cfg: EmbeddedServerConfig, opts: DevServerOptions = {}): Promise<DevServer> {
  const { headless = false, startTimeoutMs = 30_000, stopTimeoutMs = 10_000 } = opts;
  const dbFile = opts.dbFile === undefined ? cfg.dbFile : opts.dbFile;
  const address = `${HOST}:${cfg.port}`;
  const uiUrl = headless ? undefined : `http://${HOST}:${cfg.uiPort}`;

  await assertPortFree(HOST, cfg.port, 'TEMPORAL_PORT');
  if (!headless) await assertPortFree(HOST, cfg.uiPort, 'TEMPORAL_UI_PORT');

  const args = ['server', 'start-dev', '--ip', HOST, '--port', String(cfg.port), '--namespace', cfg.namespace];
  args.push(...(headless ? ['--headless'] : ['--ui-port', String(cfg.uiPort), '--ui-disable-news-fetch']));
  if (!headless && opts.codecEndpoint) args.push('--ui-codec-endpoint', opts.codecEndpoint);
  if (dbFile) {
    mkdirSync(path.dirname(path.resolve(dbFile)), { recursive: true, mode: 0o700 });
    args.push('--db-filename', path.resolve(dbFile));
  }
  // --ui-disable-news-fetch (above): the UI must not call out to the internet (air-gapped target).
  args.push(...searchAttributeCliArgs(), '--log-level', 'warn');

  const executable = resolveTemporalCli(cfg.cliPath);
  if (executable.type === 'cached-download') {
    return startWithSdkDownload(cfg, { dbFile, headless, address, uiUrl, codecEndpoint: opts.codecEndpoint });
  }

  const command = opts.guard ? guardedCommand(executable.path, args, opts.guardNodeArgs) : { command: executable.path, args };
  // The guard watches its stdin: the pipe closes when this process dies.
  const child = spawn(command.command, command.args, { stdio: [opts.guard ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  let stopping: Promise<void> | undefined;
  // Keep the last output lines: they explain an early exit.
  const tail: string[] = [];
  const onLine = (line: string) => {
    if (!line.trim()) return;
    tail.push(line);
    if (tail.length > 40) tail.shift();
    // Once stopping, the server warns about every poller it cancels: expected noise, not news.
    if (!stopping) opts.log?.(line);
  };
  for (const stream of [child.stdout!, child.stderr!]) {
    let buf = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const lines = (buf + chunk).split('\n');
      buf = lines.pop() ?? '';
      lines.forEach(onLine);
    });
    stream.on('end', () => onLine(buf));
  }

  const exited = new Promise<string>((resolve) => {
    child.once('error', (err) => resolve(`could not be started: ${err.message}`));
    child.once('exit', (code, signal) => resolve(`exited with ${signal ?? `code ${code}`}`));
  });
  // A server left behind would hold the ports of the next run; kill it if we exit without stop().
  // A guard is asked to stop it instead: SIGKILL would kill the guard and leave the server.
  const killOnExit = () => child.kill(opts.guard ? 'SIGTERM' : 'SIGKILL');
  process.once('exit', killOnExit);

  const stop = () =>
    (stopping ??= (async () => {
      process.removeListener('exit', killOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs);
      await exited;
      clearTimeout(timer);
    })());

  const early = exited.then((why) => {
    throw new Error(`Temporal dev server (${executable.path}) ${why} before serving on ${address}:\n${tail.join('\n')}`);
  });
  const waiting = { cancelled: false };
  try {
    await Promise.race([waitUntilServing(address, cfg.namespace, startTimeoutMs, waiting), early]);
  } catch (err) {
    waiting.cancelled = true; // the child died: stop polling it
    await stop();
    throw err;
  }
  return { address, uiUrl, exited, stop };
}

/** TCP first (cheap), then a real gRPC call on the namespace: the port opens before it serves. */
async function waitUntilServing(
  address: string,
  namespace: string,
  timeoutMs: number,
  state: { cancelled: boolean },
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const port = Number(address.split(':').pop());
  let lastError: unknown;
  while (Date.now() < deadline && !state.cancelled) {
    if (await canConnect(HOST, port)) {
      let connection: Connection | undefined;
      try {
        connection = await Connection.connect({ address, connectTimeout: 2_000 });
        await connection.workflowService.describeNamespace({ namespace });
        return;
      } catch (err) {
        lastError = err;
      } finally {
        await connection?.close();
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`Temporal dev server did not serve on ${address} within ${timeoutMs} ms: ${String(lastError ?? 'port closed')}`);
}

/** Last resort when no CLI is installed: the SDK downloads one (needs internet) and runs it. */
async function startWithSdkDownload(
  cfg: EmbeddedServerConfig,
  o: { dbFile: string | null | undefined; headless: boolean; address: string; uiUrl: string | undefined; codecEndpoint?: string },
): Promise<DevServer> {
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'cached-download' },
      ip: HOST,
      port: cfg.port,
      namespace: cfg.namespace,
      dbFilename: o.dbFile ?? undefined,
      ui: !o.headless,
      uiPort: o.headless ? undefined : cfg.uiPort,
      searchAttributes: [...SEARCH_ATTRIBUTE_KEYS],
      extraArgs: o.headless ? [] : ['--ui-disable-news-fetch', ...(o.codecEndpoint ? ['--ui-codec-endpoint', o.codecEndpoint] : [])],
    },
  });
  // The SDK owns that process and does not report its end.
  return { address: o.address, uiUrl: o.uiUrl, exited: new Promise<string>(() => {}), stop: () => env.teardown() };
}
