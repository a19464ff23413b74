/**
 * The project's custom search attributes, as data in one place: workflows upsert them with these
 * keys, the embedded dev server registers them from `SEARCH_ATTRIBUTES`, and startup checks an
 * external server with `assertSearchAttributesRegistered`.
 *
 * SQLite visibility allows at most 10 Keyword, 3 KeywordList and 3 Text custom attributes per
 * namespace; this list uses 4 Keyword and 1 KeywordList. Values are stored in plaintext (they
 * never pass the payload codec), so never put personal data in them. Journeys upsert them in
 * src/workflows/visibility.ts: Overdue (some open task past its acknowledge or complete deadline),
 * NextDeadline (earliest deadline still ahead, unset when none), IdentifiedAsVictim (once decided),
 * StageStartedAt (when the current stage, or follow-up round, started).
 */
import type { Client, ConnectionLike } from '@temporalio/client';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
// Maps our type names to the proto enum numbers the operator service returns.
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';

export const CaseCode = defineSearchAttributeKey('CaseCode', SearchAttributeType.KEYWORD);
export const Province = defineSearchAttributeKey('Province', SearchAttributeType.KEYWORD);
export const Stage = defineSearchAttributeKey('Stage', SearchAttributeType.KEYWORD);
export const LeadAgency = defineSearchAttributeKey('LeadAgency', SearchAttributeType.KEYWORD);
export const OpenTaskAgencies = defineSearchAttributeKey('OpenTaskAgencies', SearchAttributeType.KEYWORD_LIST);
export const EscalationLevel = defineSearchAttributeKey('EscalationLevel', SearchAttributeType.INT);
export const Overdue = defineSearchAttributeKey('Overdue', SearchAttributeType.BOOL);
export const NextDeadline = defineSearchAttributeKey('NextDeadline', SearchAttributeType.DATETIME);
export const IdentifiedAsVictim = defineSearchAttributeKey('IdentifiedAsVictim', SearchAttributeType.BOOL);
export const StageStartedAt = defineSearchAttributeKey('StageStartedAt', SearchAttributeType.DATETIME);

export const SEARCH_ATTRIBUTE_KEYS = [
  CaseCode,
  Province,
  Stage,
  LeadAgency,
  OpenTaskAgencies,
  EscalationLevel,
  Overdue,
  NextDeadline,
  IdentifiedAsVictim,
  StageStartedAt,
] as const;

/** The type names the Temporal CLI and server use (`--search-attribute Name=Type`). */
export type CliSearchAttributeType = 'Text' | 'Keyword' | 'Int' | 'Double' | 'Bool' | 'Datetime' | 'KeywordList';
const CLI_TYPE: Record<SearchAttributeType, CliSearchAttributeType> = {
  TEXT: 'Text',
  KEYWORD: 'Keyword',
  INT: 'Int',
  DOUBLE: 'Double',
  BOOL: 'Bool',
  DATETIME: 'Datetime',
  KEYWORD_LIST: 'KeywordList',
};

export const SEARCH_ATTRIBUTES: readonly { name: string; type: CliSearchAttributeType }[] = SEARCH_ATTRIBUTE_KEYS.map(
  (k) => ({ name: k.name, type: CLI_TYPE[k.type] }),
);

/** `--search-attribute Name=Type` pairs for `temporal server start-dev`. */
export function searchAttributeCliArgs(): string[] {
  return SEARCH_ATTRIBUTES.flatMap(({ name, type }) => ['--search-attribute', `${name}=${type}`]);
}

type OperatorTarget = Pick<ConnectionLike, 'operatorService'> | Client;
const operatorOf = (t: OperatorTarget) => ('operatorService' in t ? t.operatorService : t.connection.operatorService);

function cliTypeOf(n: number): string {
  const entry = Object.entries(CLI_TYPE).find(([t]) => indexedValueType(t as SearchAttributeType) === n);
  return entry ? entry[1] : `#${n}`;
}

/**
 * Adds every project attribute to `namespace`, skipping ones that already exist. For servers we
 * own and that start empty, such as the time-skipping test server; real servers get them from
 * the dev server's flags or from an operator (see the check below).
 */
export async function registerSearchAttributes(
  target: OperatorTarget,
  namespace: string,
): Promise<void> {
  const operator = operatorOf(target);
  for (const key of SEARCH_ATTRIBUTE_KEYS) {
    // One call each: a single existing attribute makes a batched call fail as a whole.
    await operator
      .addSearchAttributes({ namespace, searchAttributes: { [key.name]: indexedValueType(key.type) } })
      .catch((err: { code?: number }) => {
        if (err.code !== ALREADY_EXISTS) throw err;
      });
  }
}

const ALREADY_EXISTS = 6; // gRPC status code

function indexedValueType(type: SearchAttributeType): number {
  const n = encodeSearchAttributeIndexedValueType(type);
  if (n === undefined) throw new Error(`Unknown search attribute type ${type}`);
  return n;
}

export class SearchAttributesMissingError extends Error {
  override name = 'SearchAttributesMissingError';
}

/**
 * Throws when `namespace` lacks any project attribute, or has one with another type, naming each
 * and the commands that fix it. Workflows would otherwise fail later, at their first upsert.
 */
export async function assertSearchAttributesRegistered(
  target: OperatorTarget,
  namespace: string,
): Promise<void> {
  const operator = operatorOf(target);
  const { customAttributes } = await operator.listSearchAttributes({ namespace });
  const registered = customAttributes ?? {};
  const problems: string[] = [];
  const fixes: string[] = [];
  for (const key of SEARCH_ATTRIBUTE_KEYS) {
    const type = CLI_TYPE[key.type];
    const fix = `temporal operator search-attribute create --namespace ${namespace} --name ${key.name} --type ${type}`;
    const actual = registered[key.name];
    if (actual === undefined) {
      problems.push(`${key.name} (${type}) is missing`);
      fixes.push(fix);
    } else if (actual !== indexedValueType(key.type)) {
      problems.push(`${key.name} has type ${cliTypeOf(actual)}, expected ${type}`);
    }
  }
  if (problems.length === 0) return;
  const wrongType = problems.length > fixes.length;
  throw new SearchAttributesMissingError(
    [
      `Temporal namespace "${namespace}" does not have the custom search attributes this project needs:`,
      ...problems.map((p) => `  - ${p}`),
      ...(fixes.length ? ['Create them with:', ...fixes.map((f) => `  ${f}`)] : []),
      ...(wrongType ? ['A wrongly typed attribute must be removed (temporal operator search-attribute remove) and created again.'] : []),
    ].join('\n'),
  );
}
