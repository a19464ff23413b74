/**
 * The whole test suite as a developer runs it: `npm test` (setup check, type check, jest with two
 * workers on the machine's two cores), wall time from the command to its exit.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { recordSection } from './support/results';

const root = path.resolve(__dirname, '..');

test('npm test wall time', async () => {
  const t0 = performance.now();
  let output = '';
  const child = spawn('npm', ['test'], { cwd: root, env: { ...process.env, CI: 'true' }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (output += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (output += c));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const minutes = (performance.now() - t0) / 60_000;
  const line = (label: string) => output.match(new RegExp(`^${label}:\\s+(.*)$`, 'm'))?.[1]?.trim() ?? 'n/a';
  recordSection('suite', {
    title: 'Test suite time on 2 cores',
    goal: 'the whole suite passes, well within CI’s limit (aim: under 15 minutes)',
    met: code === 0 && minutes < 15,
    command: 'npm run bench -- bench/suite.bench.ts',
    figures: [
      ['npm test: exit code', String(code)],
      ['wall time', `${minutes.toFixed(1)} min`],
      ['test suites', line('Test Suites')],
      ['tests', line('Tests')],
    ],
  });
  expect(code).toBe(0);
}, 1_800_000);
