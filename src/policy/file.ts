/**
 * A journey policy from a YAML or JSON file (JSON is read by the same YAML parser, so both give
 * positions). Every mistake is reported at once, each with its line and column, because a ministry
 * editing the procedure should fix a file in one pass, not one error per start.
 */
import fs from 'node:fs';
import { Document, isMap, isNode, isPair, isScalar, LineCounter, parseDocument, type Node } from 'yaml';
import { z } from 'zod';
import { crossReferenceProblems, unknownField, unknownFieldProblems, type RawProblem } from './file-checks';
import { JourneyPolicy } from './schema';

export interface PolicyProblem {
  line: number;
  column: number;
  /** Where in the policy, e.g. `stages[3].tasks[0].agency`; empty for the whole file. */
  path: string;
  message: string;
}

export class PolicyFileError extends Error {
  override name = 'PolicyFileError';
  constructor(
    readonly file: string,
    readonly problems: PolicyProblem[],
  ) {
    super(`${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'} in the journey policy:\n${problems.map((p) => `  ${formatProblem(file, p)}`).join('\n')}`);
  }
}

export const POLICY_FILE = /\.(ya?ml|json)$/i;

/** `policy.yaml:42:7 stages[3].tasks[0].agency: unknown agency kind "polce"` */
export function formatProblem(file: string, p: PolicyProblem): string {
  return `${file}:${p.line}:${p.column} ${p.path ? `${p.path}: ` : ''}${p.message}`;
}

export function formatPath(at: readonly PropertyKey[]): string {
  return at.map((k, i) => (typeof k === 'number' ? `[${k}]` : `${i === 0 ? '' : '.'}${String(k)}`)).join('');
}

/** Reads and validates a policy file; throws PolicyFileError naming every problem. */
export function readPolicyFile(file: string): JourneyPolicy {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    const why = (error as { code?: string }).code === 'ENOENT' ? 'no such file' : String((error as Error).message);
    throw new PolicyFileError(file, [{ line: 1, column: 1, path: '', message: `cannot read the policy file: ${why}` }]);
  }
  const result = parsePolicyText(text);
  if ('problems' in result) throw new PolicyFileError(file, result.problems);
  return result.policy;
}

/** The policy in `text` (YAML or JSON), or every problem in it, in file order. */
export function parsePolicyText(text: string): { policy: JourneyPolicy } | { problems: PolicyProblem[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number) => {
    const { line, col } = lines.linePos(offset);
    return { line, column: col };
  };
  if (doc.errors.length > 0) {
    return { problems: doc.errors.map((e) => ({ ...at(e.pos[0]), path: '', message: e.message })) };
  }
  const input: unknown = doc.toJS();
  if (input === null || input === undefined) return { problems: [{ line: 1, column: 1, path: '', message: 'the file holds no policy' }] };
  const parsed = JourneyPolicy.safeParse(input, { reportInput: true });
  // Zod runs the schema's own cross-checks only on an otherwise valid policy: references are checked here too.
  const raw = [...unknownFieldProblems(JourneyPolicy, input), ...(parsed.success ? [] : parsed.error.issues.flatMap(zodProblems)), ...crossReferenceProblems(input)];
  const problems = dedupe(raw).map((p) => ({ ...at(offsetOf(doc, p)), path: formatPath(p.path), message: p.message }));
  if (problems.length > 0) return { problems: problems.sort((a, b) => a.line - b.line || a.column - b.column) };
  return { policy: parsed.data! };
}

/** A policy as a YAML document, e.g. the built-in default as a starting point for a ministry's own. */
export function policyToYaml(policy: JourneyPolicy, header: string): string {
  const doc = new Document(keysFirst(policy));
  doc.commentBefore = header;
  return doc.toString({ lineWidth: 0 });
}

/** The same value with each object's naming fields first, so a task reads "key, agency, title, ..." as in the procedure. */
function keysFirst(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(keysFirst);
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value).map(([k, v]) => [k, keysFirst(v)] as const);
  const rank = (k: string) => {
    const i = ['id', 'version', 'key', 'agency', 'title'].indexOf(k);
    return i < 0 ? 99 : i;
  };
  return Object.fromEntries(entries.sort(([a], [b]) => rank(a) - rank(b)));
}

/** Names of what a value should be, for enum mistakes (`unknown agency kind "polce"`). */
const VALUE_NAMES: Record<string, string> = {
  agency: 'agency kind',
  referableTo: 'agency kind',
  consentRequiredFor: 'agency kind',
  notify: 'recipient role',
  channels: 'channel',
  closesCase: 'closure reason',
  counts: 'indicator',
  clock: 'clock',
};

/** A zod issue in the policy's words. */
function zodProblems(issue: z.core.$ZodIssue): RawProblem[] {
  const input = (issue as { input?: unknown }).input;
  if (issue.code === 'invalid_type' && input === undefined) return [{ path: issue.path, message: `missing (${issue.expected} required)` }];
  if (issue.code === 'invalid_value' && issue.values.length > 1) {
    const named = [...issue.path].reverse().find((k): k is string => typeof k === 'string' && k in VALUE_NAMES);
    return [{ path: issue.path, message: `unknown ${named ? VALUE_NAMES[named] : 'value'} ${JSON.stringify(input)}; expected one of ${issue.values.join(', ')}` }];
  }
  if (issue.code === 'unrecognized_keys') return issue.keys.map((field) => unknownField(issue.path, field));
  return [{ path: issue.path, message: issue.message }];
}

function dedupe(problems: RawProblem[]): RawProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${formatPath(p.path)}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Where a problem is in the file: its value, or the key for an unknown field; for something
 * missing, the nearest enclosing part that is there.
 */
function offsetOf(doc: Document, p: RawProblem): number {
  if (p.field !== undefined) {
    const map = doc.getIn(p.path as unknown[], true);
    const pair = isMap(map) ? map.items.find((i) => isPair(i) && isScalar(i.key) && i.key.value === p.field) : undefined;
    if (pair && isNode(pair.key)) return pair.key.range![0];
  }
  for (let n = p.path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(p.path.slice(0, n) as unknown[], true);
    if (isNode(node) && (node as Node).range) return (node as Node).range![0];
  }
  return 0;
}
