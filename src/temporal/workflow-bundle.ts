/**
 * Where the worker gets its workflow code. Bundling src/workflows with webpack takes seconds at
 * every worker start, so `npm run build` (scripts/build.mjs) bundles once into
 * dist/workflow-bundle.js. WORKFLOW_BUNDLE: `auto` uses that file while the manifest beside it
 * still matches the files it was bundled from (else bundles as before), a path uses the given
 * bundle, `off` always bundles (tests run from source and keep bundling).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export type WorkflowBundleSetting = { kind: 'auto' } | { kind: 'off' } | { kind: 'file'; path: string };

export type WorkflowCode = { workflowBundle: { codePath: string } } | { workflowsPath: string };

/** dist/workflow-bundle.js, from dist/src/temporal where this module runs once compiled. */
const BUILT_BUNDLE = path.resolve(__dirname, '..', '..', 'workflow-bundle.js');

interface Manifest {
  bundle: string;
  sha256: string;
  /** Every file webpack read, relative to the manifest's folder, with its sha256. */
  inputs: Record<string, string>;
}

const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** Why the built bundle cannot be used, or null when it matches its manifest and every input. */
export function builtBundleProblem(bundleFile: string): string | null {
  const manifestFile = bundleFile.replace(/\.js$/, '.json');
  let manifest: Manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as Manifest;
  } catch {
    return `no readable ${manifestFile}`;
  }
  const dir = path.dirname(manifestFile);
  try {
    if (sha256(bundleFile) !== manifest.sha256) return `${bundleFile} is not the bundle its manifest describes`;
    for (const [file, hash] of Object.entries(manifest.inputs)) {
      if (sha256(path.resolve(dir, file)) !== hash) return `${file} changed since the bundle was made`;
    }
  } catch (error) {
    return `an input of the bundle is gone (${(error as NodeJS.ErrnoException).code ?? String(error)})`;
  }
  return null;
}

/**
 * The Worker option for the journey workflows, and why bundling happens (for the log) when it does.
 * `workflowsPath` is the workflows module, bundled by the SDK when no usable bundle exists.
 */
export function journeyWorkflowCode(setting: WorkflowBundleSetting, workflowsPath: string): { code: WorkflowCode; bundling?: string } {
  if (setting.kind === 'file') return { code: { workflowBundle: { codePath: setting.path } } };
  if (setting.kind === 'off') return { code: { workflowsPath }, bundling: 'WORKFLOW_BUNDLE=off' };
  // Run from source (tests, swc): there is no build to trust.
  if (!__filename.endsWith('.js') || !fs.existsSync(BUILT_BUNDLE)) return { code: { workflowsPath }, bundling: 'no built bundle (npm run build makes one)' };
  const problem = builtBundleProblem(BUILT_BUNDLE);
  if (problem) return { code: { workflowsPath }, bundling: `built bundle not used: ${problem}` };
  return { code: { workflowBundle: { codePath: BUILT_BUNDLE } } };
}
