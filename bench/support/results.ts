/**
 * Benchmark results: each benchmark records its section in bench/results.json (the machine and
 * versions beside it) and bench/RESULTS.md is rendered again from the whole file, so one
 * benchmark can be rerun alone without losing the others' figures.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveTemporalCli } from '../../src/local/temporal-binaries';

const RESULTS_JSON = path.join(__dirname, '..', 'results.json');
const RESULTS_MD = path.join(__dirname, '..', 'RESULTS.md');

export interface Section {
  title: string;
  /** What the issue asks for, in words ("p99 <= 1 s"). */
  goal: string;
  /** Whether the figures meet the goal; the table says so rather than the reader guessing. */
  met: boolean;
  /** The exact command that measured it. */
  command: string;
  /** Rows of the figures table: [what, value]. */
  figures: [string, string | number][];
  notes?: string[];
}

export const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? NaN;

export function recordSection(key: string, section: Section): void {
  const all = fs.existsSync(RESULTS_JSON) ? JSON.parse(fs.readFileSync(RESULTS_JSON, 'utf8')) : {};
  const sections = { ...(all.sections ?? {}), [key]: { measuredAt: new Date().toISOString(), ...section } };
  const next = { machine: machine(), sections };
  fs.writeFileSync(RESULTS_JSON, `${JSON.stringify(next, null, 2)}\n`);
  fs.writeFileSync(RESULTS_MD, render(next));
  process.stdout.write(`\n${section.title}\n${section.figures.map(([k, v]) => `  ${k}: ${v}`).join('\n')}\n`);
}

function machine() {
  const pkg = (name: string) => JSON.parse(fs.readFileSync(require.resolve(`${name}/package.json`), 'utf8')).version as string;
  let temporalCli = 'unknown';
  try {
    const cli = resolveTemporalCli(process.env.TEMPORAL_CLI_PATH, () => {});
    if (cli.type === 'existing-path') temporalCli = execFileSync(cli.path, ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    // recorded as unknown: the figures stand without it
  }
  return {
    cpus: os.cpus().length,
    model: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    temporalSdk: pkg('@temporalio/worker'),
    temporalCli,
    prisma: pkg('@prisma/client'),
  };
}

function render(all: { machine: ReturnType<typeof machine>; sections: Record<string, Section & { measuredAt: string }> }): string {
  const m = all.machine;
  const lines = [
    '# Benchmark results',
    '',
    'Written by `npm run bench` (bench/*.bench.ts); do not edit by hand. Real components only: the',
    'Temporal CLI dev server, the worker with its real activities, SQLite through Prisma, a real SMTP',
    'server and the local Twilio-compatible gateway, all on loopback.',
    '',
    `Machine: ${m.cpus} cores (${m.model}), ${m.memoryGiB} GiB, ${m.os}; Node ${m.node}; Temporal SDK ${m.temporalSdk}; ${m.temporalCli}; Prisma ${m.prisma}.`,
    '',
  ];
  for (const s of Object.values(all.sections)) {
    lines.push(`## ${s.title}`, '', `Goal: ${s.goal} — **${s.met ? 'met' : 'not met'}**. Measured ${s.measuredAt} with \`${s.command}\`.`, '', '| | |', '|---|---|');
    for (const [k, v] of s.figures) lines.push(`| ${k} | ${v} |`);
    lines.push('');
    for (const n of s.notes ?? []) lines.push(`- ${n}`);
    if (s.notes?.length) lines.push('');
  }
  return `${lines.join('\n')}\n`;
}
