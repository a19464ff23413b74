/**
 * The journey's state and the rules that change it. Pure: no timers, no activities, so the
 * rules read in one place and updates are validated against exactly what they will change.
 */
import { ApplicationFailure } from '@temporalio/workflow';
import { ClosureReason } from '../domain/case';
import { durationMs } from '../policy/duration';
import type { EscalationLadder, TaskPolicy } from '../policy/schema';
import {
  TaskRejection,
  type AcknowledgeTask,
  type CompleteTask,
  type EscalationPhase,
  type HistoryEntry,
  type JourneyInput,
  type JourneyState,
  type TaskState,
} from './definitions';

export type TaskDraft = Pick<TaskState, 'id' | 'key' | 'stage' | 'title' | 'createdAt' | 'acknowledgeDueAt' | 'completeDueAt'>;

export class Journey {
  readonly state: JourneyState;
  private readonly taskPolicies = new Map<string, TaskPolicy>();

  constructor(private readonly input: JourneyInput, openedAt: string) {
    for (const stage of input.policy.stages) for (const t of stage.tasks) this.taskPolicies.set(t.key, t);
    this.state = {
      caseCode: input.caseCode,
      province: input.province,
      leadAgencyId: input.leadAgencyId,
      policy: { id: input.policy.id, version: input.policy.version },
      stage: input.policy.stages[0]!.key,
      status: 'active',
      openedAt,
      tasks: [],
      history: [],
    };
    this.log({ action: 'case-opened' });
  }

  caseSummary() {
    const { caseCode, province, leadAgencyId, stage, status, openedAt, closedAt, closureReason } = this.state;
    return { caseCode, province, leadAgencyId, stage, status, openedAt, closedAt, closureReason };
  }

  policyOf(task: TaskState): TaskPolicy {
    return this.taskPolicies.get(task.key)!;
  }

  startStage(stage: string) {
    this.state.stage = stage;
    this.log({ action: 'stage-started', detail: stage });
  }

  /** SLAs count from now, or from the case's opening when the policy says so (Art. 27's 3 days). */
  draftTask(stage: string, policy: TaskPolicy): TaskDraft {
    const now = Date.now();
    const clockStart = policy.clock === 'case' ? Date.parse(this.state.openedAt) : now;
    return {
      id: `${this.state.caseCode}/${policy.key}`,
      key: policy.key,
      stage,
      title: policy.title,
      createdAt: iso(now),
      acknowledgeDueAt: iso(clockStart + durationMs(policy.acknowledgeWithin)),
      completeDueAt: iso(clockStart + durationMs(policy.completeWithin)),
    };
  }

  addTask(draft: TaskDraft, placement: { agencyId: string; assigneeId: string | null }): TaskState {
    const task: TaskState = { ...draft, ...placement, status: 'open', escalationLevel: 0 };
    this.state.tasks.push(task);
    this.log({ action: 'task-opened', taskId: task.id, detail: placement.assigneeId ?? undefined });
    return task;
  }

  assertCanAcknowledge(u: AcknowledgeTask) {
    const task = this.actionableTask(u);
    if (task.status !== 'open') reject(TaskRejection.alreadyAcknowledged, `task ${task.id} was already acknowledged`);
  }

  acknowledge(u: AcknowledgeTask): TaskState {
    const task = this.task(u.taskId)!;
    task.status = 'acknowledged';
    task.acknowledgedAt = iso(Date.now());
    task.escalationLevel = 0;
    this.log({ action: 'acknowledged', taskId: task.id, by: u.staffId });
    return task;
  }

  assertCanComplete(u: CompleteTask) {
    const task = this.actionableTask(u);
    const outcomes = this.policyOf(task).outcomes;
    if (outcomes && (u.outcome === undefined || !(u.outcome in outcomes))) {
      reject(TaskRejection.invalidOutcome, `task ${task.id} needs an outcome, one of: ${Object.keys(outcomes).join(', ')}`);
    }
    if (!outcomes && u.outcome !== undefined) {
      reject(TaskRejection.invalidOutcome, `task ${task.id} takes no outcome`);
    }
  }

  /** Completing also acknowledges: a person who did the work has seen the task. */
  complete(u: CompleteTask): TaskState {
    const task = this.task(u.taskId)!;
    const now = iso(Date.now());
    task.acknowledgedAt ??= now;
    task.status = 'done';
    task.completedAt = now;
    task.escalationLevel = 0;
    task.outcome = u.outcome;
    this.log({ action: 'completed', taskId: task.id, by: u.staffId, detail: u.outcome });
    const closes = u.outcome === undefined ? undefined : this.policyOf(task).outcomes?.[u.outcome]?.closesCase;
    if (closes) this.close(closes);
    return task;
  }

  recordEscalation(task: TaskState, phase: EscalationPhase, level: number) {
    task.escalationLevel = level;
    this.log({ action: 'escalated', taskId: task.id, detail: `${phase}:${level}` });
  }

  close(reason: ClosureReason = 'reintegrated') {
    if (this.state.status === 'closed') return;
    this.state.status = 'closed';
    this.state.closedAt = iso(Date.now());
    this.state.closureReason = reason;
    this.log({ action: 'case-closed', detail: reason });
  }

  private actionableTask(u: { taskId: string; agencyId: string }): TaskState {
    if (this.state.status === 'closed') reject(TaskRejection.caseClosed, `case ${this.state.caseCode} is closed`);
    const task = this.task(u.taskId);
    if (!task) return reject(TaskRejection.notFound, `case ${this.state.caseCode} has no open task ${u.taskId}`);
    if (task.agencyId !== u.agencyId) reject(TaskRejection.wrongAgency, `task ${task.id} belongs to another agency`);
    if (task.status === 'done') reject(TaskRejection.alreadyDone, `task ${task.id} is already done`);
    return task;
  }

  private task(id: string) {
    return this.state.tasks.find((t) => t.id === id);
  }

  private log(entry: Omit<HistoryEntry, 'at'>) {
    this.state.history.push({ at: iso(Date.now()), ...entry });
  }
}

/** When ladder step `level` (1-based) fires, relative to the missed deadline. */
export function escalationOffsetMs(ladder: EscalationLadder, level: number): number {
  const steps = ladder.steps;
  if (level <= steps.length) return durationMs(steps[level - 1]!.after);
  return durationMs(steps[steps.length - 1]!.after) + (level - steps.length) * durationMs(ladder.repeatEvery);
}

export function escalationStep(ladder: EscalationLadder, level: number) {
  return ladder.steps[Math.min(level, ladder.steps.length) - 1]!;
}

function reject(type: string, message: string): never {
  throw ApplicationFailure.create({ type, message, nonRetryable: true });
}

const iso = (ms: number) => new Date(ms).toISOString();
