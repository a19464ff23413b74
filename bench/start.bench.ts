/**
 * `npm start` on a warm machine: from the command to a ready API (GET /readyz answers 200, so the
 * Temporal dev server and the database answer too). The first start of the run may rebuild
 * (`npm run build` skips tsc and bundling when the sources did not change); the next ones are the
 * warm starts the issue asks about. One data folder for all runs, as on a machine used before.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findFreePort } from '../src/local/ports';
import { percentile, recordSection } from './support/results';

const STARTS = Number(process.env.BENCH_STARTS ?? 3);
const root = path.resolve(__dirname, '..');
const PORTS = ['API_PORT', 'CODEC_SERVER_PORT', 'MAILDEV_WEB_PORT', 'SMS_GATEWAY_PORT', 'SMTP_PORT', 'TEMPORAL_PORT', 'TEMPORAL_UI_PORT', 'WORKER_HEALTH_PORT', 'WORKER_METRICS_PORT'];

async function startOnce(env: NodeJS.ProcessEnv): Promise<number> {
  const t0 = performance.now();
  // Its own process group: the stop below reaches npm, the service and the dev server under it.
  const child = spawn('npm', ['start'], { cwd: root, env, detached: true, stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode} before the API was ready`);
      const ready = await fetch(`http://127.0.0.1:${env.API_PORT}/readyz`).catch(() => null);
      if (ready?.status === 200) return (performance.now() - t0) / 1000;
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    process.kill(-child.pid!, 'SIGTERM');
    await exited;
    // Let the dev server release its ports and files before the next start.
    await new Promise((r) => setTimeout(r, 2000));
  }
}

test('npm start to a ready API', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dh-start-'));
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
  for (const name of PORTS) env[name] = String(await findFreePort());
  const seconds: number[] = [];
  for (let i = 0; i < STARTS; i++) seconds.push(await startOnce(env));
  const warm = seconds.slice(1).sort((a, b) => a - b);
  const s = (v: number) => `${v.toFixed(1)} s`;
  recordSection('start', {
    title: 'npm start to a ready API on a warm machine',
    goal: 'a fast start on a warm machine (was 14-19 s, mostly tsc rebuilding on every start)',
    met: warm.length > 0 && percentile(warm, 0.5) < 14,
    command: 'npm run bench -- bench/start.bench.ts',
    figures: [
      ['starts', STARTS],
      ['first start of the run (may rebuild)', s(seconds[0]!)],
      ['warm starts: median / slowest', warm.length ? `${s(percentile(warm, 0.5))} / ${s(warm.at(-1)!)}` : 'n/a'],
    ],
    notes: ['Each start runs `npm start` as a user would (setup check, build check, then the service with the Temporal dev server, mail catcher and SMS gateway) until GET /readyz answers 200.'],
  });
  fs.rmSync(dataDir, { recursive: true, force: true });
}, 600_000);
