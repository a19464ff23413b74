/**
 * Checks of a policy file that zod's parse does not give: fields the schema does not know (zod
 * drops them silently, so a misspelt `maxExtention` would quietly mean "no extension"), and the
 * cross-references (ladders, stages, task keys) on a file that has other mistakes too, where the
 * schema's own superRefine does not run. Both read the raw parsed file and tolerate any shape.
 */
import type { z } from 'zod';

export interface RawProblem {
  path: PropertyKey[];
  message: string;
  /** For an unknown field: its name, so the position is its key's. */
  field?: string;
}

export const unknownField = (path: PropertyKey[], field: string): RawProblem => ({ path, field, message: `unknown field "${field}"` });

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  in?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
}
const defOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: Def } })._zod.def;
const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'nonoptional', 'readonly', 'catch']);
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every field of `input` that `schema` has no place for. */
export function unknownFieldProblems(schema: z.ZodType, input: unknown, path: PropertyKey[] = []): RawProblem[] {
  let def = defOf(schema);
  while (WRAPPERS.has(def.type) || def.type === 'pipe') def = defOf((def.innerType ?? def.in)!);
  if (def.type === 'object' && isRecord(input)) {
    const shape = def.shape!;
    return Object.entries(input).flatMap(([key, value]) =>
      key in shape ? unknownFieldProblems(shape[key]!, value, [...path, key]) : [unknownField(path, key)],
    );
  }
  if (def.type === 'array' && Array.isArray(input)) return input.flatMap((v, i) => unknownFieldProblems(def.element!, v, [...path, i]));
  if (def.type === 'record' && isRecord(input)) return Object.entries(input).flatMap(([k, v]) => unknownFieldProblems(def.valueType!, v, [...path, k]));
  return [];
}

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * The references between parts of a policy: ladders, stages, plans and outcome tasks named by tasks, unique
 * stage and task keys. The messages are the schema's, so a problem both find is reported once.
 */
export function crossReferenceProblems(input: unknown): RawProblem[] {
  if (!isRecord(input)) return [];
  const ladders = isRecord(input.ladders) ? input.ladders : {};
  const stages = list(input.stages).filter(isRecord);
  const stageKeys = new Set(stages.map((s) => text(s.key)));
  const problems: RawProblem[] = [];
  const ladderOf = (task: Record<string, unknown>, at: PropertyKey[]) => {
    const ladder = text(task.ladder);
    if (ladder !== undefined && !(ladder in ladders)) problems.push({ path: [...at, 'ladder'], message: `unknown ladder "${ladder}"` });
  };
  if (isRecord(input.transferAcceptance)) ladderOf(input.transferAcceptance, ['transferAcceptance']);
  const taskKeys = new Set<string>(isRecord(input.transferAcceptance) && text(input.transferAcceptance.key) ? [text(input.transferAcceptance.key)!] : []);
  const seenStages = new Set<string>();
  const outcomeTasks = list(input.outcomeTasks).filter(isRecord);
  const outcomeTaskKeys = new Set(outcomeTasks.map((t) => text(t.key)));
  const checkTask = (task: Record<string, unknown>, at: PropertyKey[]) => {
    const taskKey = text(task.key);
    if (taskKey !== undefined && taskKeys.has(taskKey)) problems.push({ path: [...at, 'key'], message: `duplicate task key "${taskKey}"` });
    if (taskKey !== undefined) taskKeys.add(taskKey);
    ladderOf(task, at);
    problems.push(...planAndReopenProblems(task, at, stages, stageKeys, outcomeTaskKeys));
  };
  list(input.stages).forEach((stage, s) => {
    if (!isRecord(stage)) return;
    const key = text(stage.key);
    if (key !== undefined && seenStages.has(key)) problems.push({ path: ['stages', s, 'key'], message: `duplicate stage key "${key}"` });
    if (key !== undefined) seenStages.add(key);
    list(stage.tasks).forEach((task, t) => isRecord(task) && checkTask(task, ['stages', s, 'tasks', t]));
  });
  list(input.outcomeTasks).forEach((task, t) => isRecord(task) && checkTask(task, ['outcomeTasks', t]));
  return problems;
}

function planAndReopenProblems(
  task: Record<string, unknown>,
  at: PropertyKey[],
  stages: Record<string, unknown>[],
  stageKeys: Set<string | undefined>,
  outcomeTaskKeys: Set<string | undefined>,
): RawProblem[] {
  const problems: RawProblem[] = [];
  const plans = text(task.plans);
  const plannable = (s: Record<string, unknown>) => s.key === plans && list(s.tasks).some((x) => isRecord(x) && x.onlyIfPlanned === true);
  if (plans !== undefined && !stages.some(plannable)) problems.push({ path: [...at, 'plans'], message: `"${plans}" is not a stage with tasks opened only if planned` });
  for (const [name, outcome] of Object.entries(isRecord(task.outcomes) ? task.outcomes : {})) {
    if (!isRecord(outcome)) continue;
    for (const key of list(outcome.reopens)) {
      if (typeof key === 'string' && !stageKeys.has(key)) problems.push({ path: [...at, 'outcomes', name, 'reopens'], message: `unknown stage "${key}"` });
    }
    for (const key of list(outcome.opens)) {
      if (typeof key === 'string' && !outcomeTaskKeys.has(key)) problems.push({ path: [...at, 'outcomes', name, 'opens'], message: `unknown task "${key}": name one of outcomeTasks` });
    }
  }
  return problems;
}
