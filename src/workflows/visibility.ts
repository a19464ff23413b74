/**
 * What managers see of a journey in the Web UI: search attributes (pseudonymous facts only, never
 * personal data) and the current details. Journeys recorded before `visibility-v1` upsert the five
 * attributes they always did; newer ones upsert only what changed, plus Overdue, NextDeadline and
 * IdentifiedAsVictim, so a publish with nothing new adds no history event; and, since
 * `visibility-stage-started`, StageStartedAt.
 */
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { patched, setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import { EscalationLevel, IdentifiedAsVictim, LeadAgency, NextDeadline, OpenTaskAgencies, Overdue, Province, Stage, StageStartedAt } from '../temporal/search-attributes';
import type { TaskState } from '../journey/definitions';
import type { Journey } from './journey-state';
import { currentDetails } from './details';

export const VISIBILITY_PATCH = 'visibility-v1';
/** StageStartedAt came later: journeys recorded before it never upsert it. */
export const STAGE_STARTED_PATCH = 'visibility-stage-started';

/** Per journey: the last value upserted per attribute name (JSON), so unchanged ones are not sent again. */
const publishedOf = new WeakMap<Journey, Map<string, string>>();

export function publish(j: Journey): void {
  const open = j.openTasks();
  const base: SearchAttributeUpdatePair[] = [
    { key: Stage, value: j.state.stage },
    { key: Province, value: j.state.province },
    { key: LeadAgency, value: j.state.leadAgencyId },
    { key: OpenTaskAgencies, value: [...new Set(open.map((t) => t.agencyId))] },
    { key: EscalationLevel, value: Math.max(0, ...open.map((t) => t.escalationLevel)) },
  ];
  if (!patched(VISIBILITY_PATCH)) {
    upsertSearchAttributes(base);
    return;
  }
  const now = Date.now();
  const next = nextDeadline(open, now);
  const victim = identifiedAsVictim(j);
  const wanted: SearchAttributeUpdatePair[] = [
    ...base,
    { key: Overdue, value: open.some((t) => isLate(t, now)) },
    // A null value unsets the attribute: no open task, no deadline.
    { key: NextDeadline, value: next === undefined ? null : new Date(next) },
    ...(victim === undefined ? [] : [{ key: IdentifiedAsVictim, value: victim }]),
    ...stageStartedAt(j),
  ];
  const published = publishedOf.get(j) ?? new Map<string, string>();
  publishedOf.set(j, published);
  const changed = wanted.filter((p) => published.get(p.key.name) !== JSON.stringify(p.value));
  if (changed.length) upsertSearchAttributes(changed);
  for (const p of changed) published.set(p.key.name, JSON.stringify(p.value));
  // Not a command: the UI reads it with a query, so it costs no history event.
  setCurrentDetails(currentDetails(j, now));
}

/** Lets a saved view find stages open for long (verification past its 3 days). */
function stageStartedAt(j: Journey): SearchAttributeUpdatePair[] {
  const at = j.state.stageStartedAt;
  if (!at || !patched(STAGE_STARTED_PATCH)) return [];
  return [{ key: StageStartedAt, value: new Date(at) }];
}

/** A task is late once the deadline of its phase has passed: acknowledge while open, then complete. */
export function isLate(t: TaskState, now: number): boolean {
  const ackLate = t.status === 'open' && now >= Date.parse(t.acknowledgeDueAt);
  return ackLate || now >= Date.parse(t.completeDueAt);
}

/** Earliest deadline still ahead among the open tasks' pending deadlines. */
export function nextDeadline(open: TaskState[], now: number): number | undefined {
  const pending = open.flatMap((t) => (t.status === 'open' ? [t.acknowledgeDueAt, t.completeDueAt] : [t.completeDueAt]));
  const ahead = pending.map((d) => Date.parse(d)).filter((d) => d > now);
  return ahead.length ? Math.min(...ahead) : undefined;
}

/**
 * From the policy, not task names: an outcome counting toward `identified` says victim, one that
 * closes the case as `not_a_victim` (or `closed_referred`, after a referral) says not. Undefined while no identification is done.
 */
export function identifiedAsVictim(j: Journey): boolean | undefined {
  let result: boolean | undefined;
  for (const t of j.state.tasks) {
    if (t.status !== 'done' || !t.outcome) continue;
    const outcome = j.policyOf(t).outcomes?.[t.outcome];
    if (outcome?.counts?.includes('identified')) result = true;
    else if (outcome?.closesCase === 'not_a_victim' || outcome?.closesCase === 'closed_referred') result = false;
  }
  return result;
}
