/**
 * What changed since the last database sync: the tasks touched and the history entries added.
 * One activity writes them; the workflow stays the source of truth, the database a copy for reports.
 */
import type { CaseSummary, JourneyChanges, JourneyState, TaskState } from '../journey/definitions';

export class ChangeTracker {
  private readonly dirty = new Set<string>();
  private synced: number;

  /** A resumed journey (after continue-as-new) was synced up to its last history entry. */
  constructor(
    private readonly state: JourneyState,
    resumed = false,
  ) {
    this.synced = resumed ? state.history.length : 0;
  }

  touch(task: Pick<TaskState, 'id'>) {
    this.dirty.add(task.id);
  }

  /** Everything changed since the last call, and the case's summary row as it is now. */
  take(): JourneyChanges {
    const tasks = this.state.tasks.filter((t) => this.dirty.has(t.id));
    const history = this.state.history.slice(this.synced);
    this.dirty.clear();
    this.synced = this.state.history.length;
    return { summary: caseSummary(this.state), tasks, history };
  }
}

export function caseSummary(state: JourneyState): CaseSummary {
  const { caseCode, province, leadAgencyId, policy, stage, status, openedAt, closedAt, closureReason, facts } = state;
  return { caseCode, province, leadAgencyId, policy: { ...policy }, stage, status, openedAt, closedAt, closureReason, ...(facts ? { facts } : {}) };
}
