#!/usr/bin/env node
/**
 * `npm run build` (and `npm start`): compiles src/ into dist/ and bundles the journey workflows
 * once, into dist/workflow-bundle.js, so a worker loads them instead of bundling at every start.
 *
 * A warm start must not pay for a compiler run: when the sources and the build settings hash to
 * what dist/build-stamp.json recorded, nothing is done. Otherwise tsc runs incrementally
 * (dist/.tsbuildinfo) and the bundle is made again.
 *
 * dist/workflow-bundle.json lists every file webpack read for the bundle with its sha256; the
 * worker (src/temporal/workflow-bundle.ts) uses the bundle only while those files still match, so
 * a dist/ compiled by other means never runs stale workflow code.
 *
 *   node scripts/build.mjs [--force]
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const stampFile = path.join(dist, 'build-stamp.json');
const bundleFile = path.join(dist, 'workflow-bundle.js');
const manifestFile = path.join(dist, 'workflow-bundle.json');
// stderr: policy:check and other commands behind a build keep stdout for their own output.
const log = (msg) => console.error(`[build] ${msg}`);
const started = Date.now();

/** What the output depends on: every file under src/, the compiler settings, the locked dependency versions, this script. */
function sourcesHash() {
  const files = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) files.push(full);
    }
  };
  walk(path.join(root, 'src'));
  files.push(...['tsconfig.json', 'tsconfig.build.json', 'package-lock.json', 'scripts/build.mjs'].map((f) => path.join(root, f)));
  const hash = createHash('sha256');
  for (const file of files.sort()) {
    hash.update(path.relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Written whole, then renamed: a process starting meanwhile never reads half a file. */
function writeAtomically(file, content) {
  const partial = `${file}.${process.pid}.partial`;
  writeFileSync(partial, content);
  renameSync(partial, file);
}

function compile() {
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--incremental', '--tsBuildInfoFile', path.join(dist, '.tsbuildinfo')], {
    cwd: root,
    stdio: 'inherit',
  });
  if (r.status !== 0) {
    console.error(`[build] ERROR: tsc failed (${r.error?.message ?? `exit code ${r.status ?? r.signal}`})`);
    process.exit(1);
  }
}

/** The compiled workflows (what `workflowsPath` would bundle in the worker), and the files webpack read. */
async function bundleWorkflows() {
  const require = createRequire(import.meta.url);
  const { bundleWorkflowCode } = require('@temporalio/worker');
  const read = new Set();
  const quiet = { trace() {}, debug() {}, info() {}, log() {}, warn: console.warn, error: console.error };
  const { code } = await bundleWorkflowCode({
    workflowsPath: path.join(dist, 'src', 'workflows'),
    // The worker's data converter encodes failures (src/temporal/codec.ts): its bundle must carry the same converter.
    failureConverterPath: path.join(dist, 'src', 'temporal', 'failure-converter.js'),
    logger: quiet,
    webpackConfigHook: (config) => ({
      ...config,
      plugins: [
        ...(config.plugins ?? []),
        { apply: (compiler) => compiler.hooks.done.tap('record-inputs', (stats) => stats.compilation.fileDependencies.forEach((f) => read.add(f))) },
      ],
    }),
  });
  const inputs = {};
  for (const file of [...read].sort()) {
    // Directories and files webpack only probed for are not inputs.
    if (!existsSync(file) || !statSync(file).isFile()) continue;
    inputs[path.relative(dist, file)] = createHash('sha256').update(readFileSync(file)).digest('hex');
  }
  writeAtomically(bundleFile, code);
  writeAtomically(manifestFile, `${JSON.stringify({ bundle: path.basename(bundleFile), sha256: createHash('sha256').update(code).digest('hex'), inputs }, null, 2)}\n`);
  return Object.keys(inputs).length;
}

const force = process.argv.includes('--force');
const hash = sourcesHash();
const stamp = readJson(stampFile);
if (!force && stamp?.sources === hash && existsSync(path.join(dist, 'src', 'main.js')) && existsSync(bundleFile) && existsSync(manifestFile)) {
  log(`dist/ is up to date with src/ (${Date.now() - started} ms)`);
  process.exit(0);
}
mkdirSync(dist, { recursive: true });
// tsc trusts its build info: with outputs deleted behind its back it would emit nothing.
if (!existsSync(path.join(dist, 'src', 'main.js'))) rmSync(path.join(dist, '.tsbuildinfo'), { force: true });
compile();
const inputs = await bundleWorkflows();
writeAtomically(stampFile, `${JSON.stringify({ sources: hash, builtAt: new Date().toISOString() }, null, 2)}\n`);
log(`compiled src/ and bundled the workflows (${inputs} files) into dist/workflow-bundle.js in ${Date.now() - started} ms`);
