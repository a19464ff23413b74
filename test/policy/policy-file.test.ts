/**
 * A journey policy from a YAML or JSON file: every mistake with its line and column, in one pass;
 * the shipped example is the built-in default; `npm run policy:check` exit codes.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadPolicy } from '../../src/policy';
import { EXAMPLE_HEADER, runPolicyCommand } from '../../src/policy/check';
import { formatProblem, parsePolicyText, PolicyFileError, policyToYaml } from '../../src/policy/file';

const EXAMPLE = path.join(__dirname, '../../policies/default.yaml');
const exampleText = fs.readFileSync(EXAMPLE, 'utf8');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dh-policy-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The 1-based line of the `nth` line (0-based) containing `needle`, and the column of `needle` in it. */
function position(text: string, needle: string, nth = 0): { line: number; column: number } {
  const lines = text.split('\n');
  const found = lines.flatMap((l, i) => (l.includes(needle) ? [i] : []))[nth];
  if (found === undefined) throw new Error(`"${needle}" is not in the text ${nth + 1} times`);
  return { line: found + 1, column: lines[found]!.indexOf(needle) + 1 };
}

/** Replaces the `nth` occurrence of `from`. */
function replaceNth(text: string, from: string, to: string, nth = 0): string {
  let i = -1;
  for (let n = 0; n <= nth; n++) i = text.indexOf(from, i + 1);
  if (i < 0) throw new Error(`no occurrence ${nth + 1} of "${from}"`);
  return text.slice(0, i) + to + text.slice(i + from.length);
}

const problemsOf = (text: string) => {
  const r = parsePolicyText(text);
  if (!('problems' in r)) throw new Error('expected problems');
  return r.problems.map((p) => formatProblem('policy.yaml', p));
};

test('the shipped example is the built-in default and validates', () => {
  const r = parsePolicyText(exampleText);
  expect('policy' in r && r.policy).toEqual(loadPolicy('default'));
  // After a change to src/policy/default-policy.ts: `npm run policy:example` rewrites the example.
  expect(exampleText).toBe(policyToYaml(loadPolicy('default'), EXAMPLE_HEADER));
});

test('a YAML policy with several mistakes gives every one, each with its line and column', () => {
  let text = exampleText;
  text = replaceNth(text, 'agency: police', 'agency: polce'); // the police verification
  text = replaceNth(text, 'ladder: urgent', 'ladder: urgnt', 4); // the health department's verification
  text = replaceNth(text, 'completeWithin: 7d', 'completeWithin: 7 days');
  text = replaceNth(text, 'maxExtension: 0s', 'maxExtention: 2d', 7); // the case closure
  text = replaceNth(text, '        acknowledgeWithin: 1d\n', '', 2);
  text = replaceNth(text, '- key: closure', '- key: reception');
  text = replaceNth(text, '- support-plan', '- support-plann');
  text = replaceNth(text, '- tracing', '- tracin'); // the task lost contact opens
  const at = (needle: string, nth = 0) => {
    const p = position(text, needle, nth);
    return `policy.yaml:${p.line}:${p.column}`;
  };
  const key = (stageOrTask: string, nth = 0, offset = 0) => {
    const p = position(text, `- key: ${stageOrTask}`, nth);
    return `policy.yaml:${p.line}:${p.column + offset}`;
  };
  // In file order; a missing field is placed at its task, a duplicate key at the key's value.
  expect(problemsOf(text)).toEqual([
    `${at('urgnt')} stages[1].tasks[0].ladder: unknown ladder "urgnt"`,
    `${at('polce')} stages[1].tasks[1].agency: unknown agency kind "polce"; expected one of health_dept, commune_committee, police, border_guard, shelter, ngo, health_facility, legal_aid`,
    `${at('7 days')} stages[2].tasks[0].completeWithin: a duration such as "90s", "30m", "4h" or "3d"`,
    `${key('needs-assessment', 0, 2)} stages[3].tasks[0].acknowledgeWithin: missing (string required)`,
    `${at('- support-plann')} stages[6].tasks[0].outcomes.needs_support.reopens: unknown stage "support-plann"`,
    `${at('- tracin')} stages[6].tasks[0].outcomes.lost_contact.opens: unknown task "tracin": name one of outcomeTasks`,
    `${key('reception', 2, 7)} stages[7].key: duplicate stage key "reception"`,
    `${at('maxExtention')} stages[7].tasks[0]: unknown field "maxExtention"`,
  ]);
});

test('a JSON policy is read with positions too; syntax errors have theirs', () => {
  const policy = structuredClone(loadPolicy('default')) as unknown as { stages: { tasks: Record<string, unknown>[] }[]; ladders: Record<string, unknown> };
  policy.stages[0]!.tasks[0]!.agency = 'shelters';
  policy.stages[2]!.tasks[0]!.ladder = 'none';
  delete policy.ladders.standard;
  const text = JSON.stringify(policy, null, '\t');
  const problems = problemsOf(text);
  expect(problems[0]).toMatch(new RegExp(`^policy\\.yaml:${position(text, '"shelters"').line}:\\d+ stages\\[0\\]\\.tasks\\[0\\]\\.agency: unknown agency kind "shelters"`));
  // Every task on the standard ladder is named, not only the first.
  expect(problems.filter((p) => p.endsWith('unknown ladder "standard"')).length).toBeGreaterThan(5);
  expect(problems).toContain(`policy.yaml:${position(text, '"none"').line}:${position(text, '"none"').column} stages[2].tasks[0].ladder: unknown ladder "none"`);

  expect(problemsOf('{\n  "id": "x",\n  "version": 1,,\n}')).toEqual(['policy.yaml:3:16 Unexpected , in flow map']);
  expect(problemsOf('')).toEqual(['policy.yaml:1:1 the file holds no policy']);
});

test('a valid file loads, a wrong one throws with every problem, one per line', () => {
  const good = path.join(dir, 'good.json');
  fs.writeFileSync(good, JSON.stringify({ ...loadPolicy('default'), id: 'vn-hcm', version: 3 }));
  expect(loadPolicy(good)).toMatchObject({ id: 'vn-hcm', version: 3 });
  const bad = path.join(dir, 'bad.yml');
  fs.writeFileSync(bad, replaceNth(replaceNth(exampleText, 'version: 1', 'version: 0'), 'ladder: urgent', 'ladder: x'));
  expect(() => loadPolicy(bad)).toThrow(PolicyFileError);
  expect(() => loadPolicy(bad)).toThrow(new RegExp(`2 problems.*\\n  ${bad}:6:10 version: .*\\n  ${bad}:\\d+:17 stages\\[0\\]\\.tasks\\[0\\]\\.ladder: unknown ladder "x"$`));
  expect(() => loadPolicy(path.join(dir, 'none.yaml'))).toThrow(/none\.yaml:1:1 cannot read the policy file: no such file/);
});

test('policy:check exits 0 with a summary, 1 with every problem, 2 when used wrongly', () => {
  const run = (args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    return { code: runPolicyCommand(args, { out: (l) => out.push(l), err: (l) => err.push(l) }), out, err };
  };
  const ok = run([EXAMPLE]);
  expect(ok.code).toBe(0);
  expect(ok.out[0]).toBe('policy "vn-default" version 1: 8 stages, 21 tasks, 2 escalation ladders');
  expect(ok.out.join('\n')).toContain('verify-initial-information [health_dept] ack 4h / done 3d from the case');
  expect(ok.out.join('\n')).toContain('initial-verification (starts with the previous stage): ');
  expect(ok.out.join('\n')).toContain('guardian-contact [health_dept] ack 2h / done 12h from the case (only for a child)');
  expect(ok.out.join('\n')).toContain('border-guard-handover [border_guard] ack 2h / done 12h (only for notified by border_guard)');

  const bad = path.join(dir, 'two-mistakes.yaml');
  fs.writeFileSync(bad, replaceNth(replaceNth(exampleText, 'agency: police', 'agency: polce'), 'ladder: urgent', 'ladder: urgnt'));
  const failed = run([bad]);
  expect(failed.code).toBe(1);
  expect(failed.err.join('\n')).toMatch(/2 problems[^]*:20:17 stages\[0\]\.tasks\[0\]\.ladder: unknown ladder "urgnt"\n.*:101:17 stages\[1\]\.tasks\[1\]\.agency: unknown agency kind "polce"/);
  expect(run([]).code).toBe(2);
  expect(run([path.join(dir, 'policy.txt')])).toMatchObject({ code: 1, err: [expect.stringContaining('.yaml, .yml or .json')] });
});
