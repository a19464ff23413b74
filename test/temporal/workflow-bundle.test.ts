/**
 * The built workflow bundle (scripts/build.mjs → dist/workflow-bundle.js) is used only while its
 * manifest matches the bundle and every file it was made from; WORKFLOW_BUNDLE is checked at start.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, parseConfig } from '../../src/config';
import { builtBundleProblem, journeyWorkflowCode } from '../../src/temporal/workflow-bundle';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
let dir: string;
let bundle: string;

beforeEach(() => {
  // The layout the build writes: dist/workflow-bundle.{js,json}, inputs named relative to dist/.
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dh-bundle-'));
  fs.mkdirSync(path.join(dir, 'dist', 'src', 'workflows'), { recursive: true });
  const input = path.join(dir, 'dist', 'src', 'workflows', 'index.js');
  fs.writeFileSync(input, 'exports.journey = 1;');
  bundle = path.join(dir, 'dist', 'workflow-bundle.js');
  fs.writeFileSync(bundle, 'bundled');
  const manifest = { bundle: 'workflow-bundle.js', sha256: sha256('bundled'), inputs: { 'src/workflows/index.js': sha256('exports.journey = 1;') } };
  fs.writeFileSync(path.join(dir, 'dist', 'workflow-bundle.json'), JSON.stringify(manifest));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

test('a bundle that matches its manifest and inputs is usable', () => {
  expect(builtBundleProblem(bundle)).toBeNull();
});

test('a changed or missing input, a changed bundle or no manifest: not used', () => {
  fs.writeFileSync(path.join(dir, 'dist', 'src', 'workflows', 'index.js'), 'exports.journey = 2;');
  expect(builtBundleProblem(bundle)).toBe('src/workflows/index.js changed since the bundle was made');
  fs.rmSync(path.join(dir, 'dist', 'src', 'workflows', 'index.js'));
  expect(builtBundleProblem(bundle)).toMatch(/an input of the bundle is gone \(ENOENT\)/);
  fs.writeFileSync(bundle, 'edited');
  expect(builtBundleProblem(bundle)).toMatch(/is not the bundle its manifest describes/);
  fs.rmSync(path.join(dir, 'dist', 'workflow-bundle.json'));
  expect(builtBundleProblem(bundle)).toMatch(/^no readable .*workflow-bundle\.json$/);
});

test('from source, auto and off bundle the workflows; a file setting loads that file', () => {
  expect(journeyWorkflowCode({ kind: 'auto' }, '/w').code).toEqual({ workflowsPath: '/w' });
  expect(journeyWorkflowCode({ kind: 'off' }, '/w')).toEqual({ code: { workflowsPath: '/w' }, bundling: 'WORKFLOW_BUNDLE=off' });
  expect(journeyWorkflowCode({ kind: 'file', path: bundle }, '/w').code).toEqual({ workflowBundle: { codePath: bundle } });
});

test('WORKFLOW_BUNDLE: auto by default, off, a file; a path that is no file is refused by name', () => {
  expect(parseConfig({}).worker.workflowBundle).toEqual({ kind: 'auto' });
  expect(parseConfig({ WORKFLOW_BUNDLE: 'off' }).worker.workflowBundle).toEqual({ kind: 'off' });
  expect(parseConfig({ WORKFLOW_BUNDLE: bundle }).worker.workflowBundle).toEqual({ kind: 'file', path: bundle });
  expect(() => parseConfig({ WORKFLOW_BUNDLE: path.join(dir, 'none.js') })).toThrow(ConfigError);
  expect(() => parseConfig({ WORKFLOW_BUNDLE: path.join(dir, 'none.js') })).toThrow(/WORKFLOW_BUNDLE: .*none\.js is not a file/);
});
