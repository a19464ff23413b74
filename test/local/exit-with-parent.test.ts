/**
 * The guard npm start runs the Temporal dev server under (src/local/exit-with-parent.ts): when its
 * parent dies by SIGKILL, which no exit handler of the parent survives, the program goes too.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('a program under the guard stops when its parent is SIGKILLed', async () => {
  const parent = spawn(process.execPath, ['-r', './test/support/swc-register.js', 'test/local/fixtures/guarded-parent.ts'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  parent.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const pid = await new Promise<number>((resolve, reject) => {
    const poll = setInterval(() => {
      const match = /program (\d+)/.exec(output);
      if (match) {
        clearInterval(poll);
        resolve(Number(match[1]));
      }
    }, 50);
    parent.once('exit', (code) => {
      clearInterval(poll);
      reject(new Error(`the parent exited (${code}) before its program started: ${output}`));
    });
  });
  expect(alive(pid)).toBe(true);

  parent.kill('SIGKILL');
  // The guard gives the program a few seconds to stop on SIGTERM; it needs far less.
  const deadline = Date.now() + 20_000;
  while (alive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  if (alive(pid)) process.kill(pid, 'SIGKILL');
  expect(alive(pid)).toBe(false);
}, 60_000);
