/**
 * The revision of the policy schema (schema.ts). The worker parses a stored policy with the schema
 * before handing it to a journey and tags it with this number; a journey uses a body of the
 * current revision as it is and parses anything else itself, which is the only time the workflow
 * builds zod schemas. Bump it whenever the schema gains a field with a default or changes one, so
 * bodies recorded before (in running journeys' histories) are parsed again and get the new defaults.
 */
import type { JourneyPolicy } from './schema';

// 2: stages gained `startsWithPrevious` (default false), tasks an optional `when`, and closure approval its fields;
// 3: outcome tasks (`outcomeTasks`, `opens`) and per-case bounds of a recurring stage, beside those.
export const POLICY_SCHEMA_REVISION = 3;

/** A stored policy body as the worker parsed it, with revision `schemaRevision` of the schema. */
export interface ResolvedPolicy {
  schemaRevision: number;
  policy: JourneyPolicy;
}
