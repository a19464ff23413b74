/**
 * A guard that makes a program die with the process that started it, even when that process is
 * killed with SIGKILL and can clean nothing up (an orphaned Temporal dev server once kept 7233 and
 * 8233 and blocked the next `npm start`).
 *
 *   node exit-with-parent.js <program> [args…]
 *
 * The parent holds the guard's stdin open and never writes to it. The kernel closes that pipe when
 * the parent dies, however it dies; the guard then stops the program's whole process group
 * (SIGTERM, SIGKILL after a grace period) and exits. A change of parent (re-parented to init) is
 * checked too, in case stdin was not a pipe. A signal to the guard is passed on to the program;
 * when the program ends the guard ends the same way.
 */
import { spawn } from 'node:child_process';

/** How long the program may take to stop on a signal, or once its parent is gone, before SIGKILL. */
const GRACE_MS = 5_000;

/** The command that runs `program` under the guard; `nodeArgs` lets a from-source caller add its TS loader. */
export function guardedCommand(program: string, args: string[], nodeArgs: string[] = process.execArgv): { command: string; args: string[] } {
  return { command: process.execPath, args: [...nodeArgs, require.resolve('./exit-with-parent'), program, ...args] };
}

function runGuard(program: string, args: string[]): void {
  const parent = process.ppid;
  // Its own process group, so the guard can stop the program and anything it started, together.
  const child = spawn(program, args, { detached: true, stdio: ['ignore', 'inherit', 'inherit'] });
  const group = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  };
  let orphaned = false;
  const parentGone = () => {
    if (orphaned) return;
    orphaned = true;
    group('SIGTERM');
    setTimeout(() => group('SIGKILL'), GRACE_MS).unref();
  };
  process.stdin.on('end', parentGone).on('close', parentGone).on('error', parentGone).resume();
  setInterval(() => process.ppid !== parent && parentGone(), 500).unref();

  let forwarded = false;
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    process.on(signal, () => {
      // Ctrl-C reaches the guard and its parent; the parent's own stop sends SIGTERM again: pass one on.
      if (forwarded) return;
      forwarded = true;
      group(signal);
      setTimeout(() => group('SIGKILL'), GRACE_MS).unref();
    });
  }
  child.once('error', (error) => {
    console.error(`exit-with-parent: cannot run ${program}: ${error.message}`);
    process.exit(127);
  });
  child.once('exit', (code, signal) => {
    group('SIGKILL'); // whatever the program left in its group
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    }
    process.exit(code ?? 1);
  });
}

if (require.main === module) {
  const [program, ...args] = process.argv.slice(2);
  if (!program) {
    console.error('usage: exit-with-parent <program> [args…]');
    process.exit(2);
  }
  runGuard(program, args);
}
