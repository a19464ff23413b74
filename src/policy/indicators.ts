/**
 * The programme's indicators as the policy defines them: a task (or one outcome of a task) says
 * which indicator its completion counts toward, so a changed procedure keeps correct figures.
 * "received" is the opening of the case itself and needs no tag.
 */
import { z } from 'zod';

export const TaskIndicator = z.enum(['verified', 'identified', 'supported', 'reintegrated']);
export type TaskIndicator = z.infer<typeof TaskIndicator>;

/**
 * When a case counts: `all` once every tagged task of the case is done (verification has two
 * tasks, health department and police), `first` at the first tagged completion.
 */
export const INDICATOR_RULE: Record<TaskIndicator, 'all' | 'first'> = { verified: 'all', identified: 'first', supported: 'first', reintegrated: 'first' };

/** A completion that counts: of this task, and with this outcome when the tag is on an outcome. */
export interface IndicatorSource {
  taskKey: string;
  outcome?: string;
}

interface TaggedTask {
  key: string;
  counts?: TaskIndicator[];
  outcomes?: Record<string, { counts?: TaskIndicator[] }>;
}

/** Every indicator's sources in a policy's stages. */
export function indicatorSources(stages: readonly { tasks: readonly TaggedTask[] }[]): Record<TaskIndicator, IndicatorSource[]> {
  const sources: Record<TaskIndicator, IndicatorSource[]> = { verified: [], identified: [], supported: [], reintegrated: [] };
  for (const task of stages.flatMap((s) => s.tasks)) {
    for (const indicator of task.counts ?? []) sources[indicator].push({ taskKey: task.key });
    for (const [outcome, o] of Object.entries(task.outcomes ?? {})) {
      for (const indicator of o.counts ?? []) sources[indicator].push({ taskKey: task.key, outcome });
    }
  }
  return sources;
}
