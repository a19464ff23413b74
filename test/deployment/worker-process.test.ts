/**
 * The real worker entry (src/worker.ts, run from source) against the suite's dev server, as a
 * replica runs it: /healthz answers 200 once it runs; SIGTERM makes it stop answering 200 while
 * it drains, and it exits 0 by itself (the process bounds that by its grace period plus margin).
 * Its /metrics (WORKER_METRICS_PORT, METRICS_TOKEN) serves the SDK's runtime metrics and ours.
 */
import { TEST_CODEC_KEYS } from '../support/codec';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findFreePort } from '../../src/local/ports';
import { generateKeySpec } from '../../src/personal-data/crypto';
import { suiteServerAddress, uniqueTaskQueue } from '../support/temporal';

const root = path.resolve(__dirname, '../..');

/** The status, or null when nothing answers on the port. */
async function healthz(url: string): Promise<number | null> {
  try {
    return (await fetch(url)).status;
  } catch {
    return null;
  }
}

describe('the worker process', () => {
  let dir: string;
  let child: ChildProcess;
  let output = '';
  let exited: Promise<number | null>;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dh-worker-process-'));
  });
  afterAll(() => {
    if (child?.exitCode === null) child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('healthy while running; SIGTERM: drains, stops answering 200, exits 0', async () => {
    const port = await findFreePort();
    const url = `http://127.0.0.1:${port}/healthz`;
    const metricsPort = await findFreePort();
    child = spawn(process.execPath, ['-r', './test/support/swc-register.js', 'src/worker.ts'], {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        DATA_DIR: dir,
        DATABASE_URL: `file:${path.join(dir, 'dong-hanh.db')}`,
        TEMPORAL_ADDRESS: suiteServerAddress(),
        TEMPORAL_CODEC_KEYS: TEST_CODEC_KEYS,
        TEMPORAL_TASK_QUEUE: uniqueTaskQueue('worker-process'),
        SMTP_HOST: '127.0.0.1',
        TWILIO_BASE_URL: 'http://127.0.0.1:9',
        TWILIO_ACCOUNT_SID: `AC${'1'.repeat(32)}`,
        TWILIO_AUTH_TOKEN: 'test-token',
        ACTION_LINK_SECRET: 'x'.repeat(40),
        PERSONAL_DATA_KEYS: generateKeySpec('k1'),
        WORKER_SHUTDOWN_GRACE: '30s',
        WORKER_HEALTH_PORT: String(port),
        WORKER_METRICS_PORT: String(metricsPort),
        METRICS_TOKEN: 'worker-process-metrics-token',
        WORKER_MAX_CONCURRENT_ACTIVITIES: '20',
        WORKER_WORKFLOW_POLLERS: '2',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    const early = exited.then((code) => {
      throw new Error(`the worker exited (${code}) before it was healthy:\n${output}`);
    });

    // Bundling the workflows takes a while on a loaded machine: wait for the log line, then ask.
    const running = (async () => {
      while (!output.includes('"msg":"worker running"')) await new Promise((resolve) => setTimeout(resolve, 100));
      while ((await healthz(url)) !== 200) await new Promise((resolve) => setTimeout(resolve, 50));
    })();
    await Promise.race([running, early]);
    early.catch(() => undefined);
    expect(output).toContain(`"health":"${url}"`);
    // Its /metrics: the SDK's runtime metrics (exporter installed by launch, before connecting) and ours, behind the token.
    const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    expect((await fetch(metricsUrl)).status).toBe(401);
    const metrics = await (await fetch(metricsUrl, { headers: { authorization: 'Bearer worker-process-metrics-token' } })).text();
    expect(metrics).toMatch(/^temporal_\w+\{[^}]*task_queue="worker-process-/m);
    expect(metrics).toContain('# TYPE donghanh_tasks_overdue gauge');

    child.kill('SIGTERM');
    // During the drain: 503, then nothing (the endpoint closes after the worker stopped).
    const after: (number | null)[] = [];
    for (let status = await healthz(url); ; status = await healthz(url)) {
      after.push(status);
      if (status !== 200) break;
    }
    expect([503, null]).toContain(after.at(-1));
    expect(await exited).toBe(0);
    expect(output).toContain('"msg":"worker draining"');
    expect(await healthz(url)).toBeNull();
  }, 120_000);
});
