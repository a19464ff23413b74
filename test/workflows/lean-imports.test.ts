/**
 * Every cached journey holds its own copy of every module the workflow imports. zod schemas cost
 * about 2 MiB per copy, so the workflow's static imports must not reach zod: payload schemas load
 * on a journey's first update (staff-actions.ts), the policy schema only for bodies the worker did
 * not parse (journey.ts). This walks the value imports from src/workflows and fails on any that
 * reach zod, naming the chain.
 */
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');

/** Value imports and re-exports of a module (`import type` and all-`type` lists are skipped). */
function valueImports(file: string): string[] {
  const source = fs.readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const m of source.matchAll(/^(?:import|export)\s+(type\s+)?([^'";]*?)\s*from\s+'([^']+)';/gm)) {
    const [, typeOnly, names, from] = m;
    if (typeOnly) continue;
    const list = /^\{([^}]*)\}$/s.exec(names!.trim());
    if (list && list[1]!.split(',').map((n) => n.trim()).filter(Boolean).every((n) => n.startsWith('type '))) continue;
    found.push(from!);
  }
  for (const m of source.matchAll(/^import\s+'([^']+)';/gm)) found.push(m[1]!);
  return found;
}

function resolveLocal(from: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const base = path.resolve(path.dirname(from), spec);
  return [`${base}.ts`, path.join(base, 'index.ts')].find((f) => fs.existsSync(f));
}

/** The chain of modules from the workflows' entry point to each module that imports `pkg`. */
function chainsTo(pkg: string, entry: string): string[][] {
  const chains: string[][] = [];
  const seen = new Set<string>();
  const walk = (file: string, chain: string[]) => {
    if (seen.has(file)) return;
    seen.add(file);
    const here = [...chain, path.relative(root, file)];
    for (const spec of valueImports(file)) {
      if (spec === pkg || spec.startsWith(`${pkg}/`)) chains.push(here);
      const next = resolveLocal(file, spec);
      if (next) walk(next, here);
    }
  };
  walk(entry, []);
  return chains;
}

test('the workflows import no zod at start', () => {
  expect(chainsTo('zod', path.join(root, 'src/workflows/index.ts'))).toEqual([]);
});

test('the check sees zod where it is imported', () => {
  // The API's contract imports it: a walk from there must find it, or the walk above proves nothing.
  expect(chainsTo('zod', path.join(root, 'src/journey/definitions.ts')).length).toBeGreaterThan(0);
});
