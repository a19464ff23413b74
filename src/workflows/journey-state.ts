/**
 * The journey's state and its procedure: stages, the tasks they open, escalations, closing. Also
 * the few changes every rule shares (acknowledging a task, restarting its timers, the history log).
 * Pure: no timers, no activities. Staff actions live in staff-rules.ts, transfers in transfer.ts,
 * policy change in policy-change.ts.
 */
import type { CaseFacts, ClosureReason } from '../domain/case';
import { durationMs } from '../policy/duration';
import type { EscalationLadder, JourneyPolicy, StagePolicy, TaskCondition, TaskPolicy } from '../policy/schema';
import { taskPolicyOf } from '../policy/tasks';
import type { EscalationPhase, HistoryEntry, JourneyInput, JourneyState, Placement, PolicyRef, TaskDraft, TaskState } from '../journey/definitions';

/** What a journey is built from: its input with the policy body resolved. */
export type ResolvedInput = Omit<JourneyInput, 'policy' | 'policyRef'> & { policy: JourneyPolicy; policyRef?: PolicyRef };
import { ChangeTracker } from './change-tracker';

export class Journey {
  readonly state: JourneyState;
  policy: JourneyPolicy;
  /** The stored body `policy` is, when it is one: what a continued run carries instead of the body. */
  policyRef?: PolicyRef;
  readonly changes: ChangeTracker;
  /** Stages an outcome asked to run again, taken by the main loop. */
  private readonly reopenRequest: string[] = [];
  /** Outcome tasks an outcome asked to open (in the stage of the task completed), taken by the update that completed it. */
  private readonly openRequest: { stage: string; policy: TaskPolicy }[] = [];
  /** Outcome tasks being placed now (the directory answers later): their stage is not over. */
  opening = 0;

  constructor(input: ResolvedInput, now: string) {
    this.policy = input.policy;
    this.policyRef = input.policyRef;
    if (input.resume) {
      this.state = input.resume.state;
      this.changes = new ChangeTracker(this.state, true);
      return;
    }
    this.state = {
      caseCode: input.caseCode,
      province: input.province,
      leadAgencyId: input.leadAgencyId,
      policy: { id: input.policy.id, version: input.policy.version },
      stage: input.policy.stages[0]!.key,
      round: 0,
      status: 'active',
      openedAt: now,
      ...(input.facts ? { facts: input.facts } : {}),
      consent: { given: false },
      plan: [],
      tasks: [],
      history: [],
    };
    this.changes = new ChangeTracker(this.state);
    this.log({ action: 'case-opened', detail: `${input.policy.id} v${input.policy.version}` });
  }

  get active() {
    return this.state.status === 'active';
  }

  startStage(stage: StagePolicy, round: number) {
    this.state.stage = stage.key;
    this.state.round = round;
    this.state.stageStartedAt = iso(Date.now());
    this.log({ action: 'stage-started', detail: stage.repeat ? `${stage.key}#${round + 1}` : stage.key });
  }

  /**
   * The tasks a stage opens: those whose condition the case's facts meet, except services the
   * support plan did not choose, and what a withdrawn part of consent covers.
   */
  tasksToOpen(stage: StagePolicy): TaskPolicy[] {
    return stage.tasks.filter((t) => holds(t.when, this.state.facts) && (!t.onlyIfPlanned || this.state.plan.includes(t.key)) && !this.consentWithdrawnFor(t));
  }

  /** A withdrawn part of consent covers this task: its service, or sharing for a task outside the state system. */
  consentWithdrawnFor(t: Pick<TaskPolicy, 'key' | 'agency' | 'requiresConsent'>, holderKind = t.agency): boolean {
    const { sharing, services } = this.state.consent;
    if (services?.[t.key]?.given === false) return true;
    return sharing?.given === false && (t.requiresConsent || this.policy.consentRequiredFor.includes(holderKind));
  }

  /** Sharing with organisations outside the state system: its own part when recorded, else consent as a whole. */
  get sharingAllowed(): boolean {
    const { sharing, given } = this.state.consent;
    return sharing ? sharing.given : given;
  }

  /** The rounds of a recurring stage this case has: its own number, or the policy's. */
  roundsOf(stage: StagePolicy): number {
    return this.state.repeatTimes?.[stage.key] ?? stage.repeat?.times ?? 1;
  }

  /**
   * SLAs count from now, or, when the policy says so (Art. 27's 3 days), from the notification of
   * the health department; journeys that do not know it count from the case's opening.
   */
  draftTask(stage: string, policy: Pick<TaskPolicy, 'key' | 'title' | 'acknowledgeWithin' | 'completeWithin' | 'clock'>): TaskDraft {
    const now = Date.now();
    const clockStart = policy.clock === 'case' ? Date.parse(this.state.facts?.notifiedAt ?? this.state.openedAt) : now;
    // A task that recurs (follow-up rounds, reopened support) gets a numbered id.
    const earlier = this.state.tasks.filter((t) => t.key === policy.key).length;
    return {
      id: `${this.state.caseCode}/${policy.key}${earlier ? `.${earlier + 1}` : ''}`,
      key: policy.key,
      stage,
      title: policy.title,
      createdAt: iso(now),
      acknowledgeDueAt: iso(clockStart + durationMs(policy.acknowledgeWithin)),
      completeDueAt: iso(clockStart + durationMs(policy.completeWithin)),
    };
  }

  /** A task placed while an update closed the case (placing waits on the directory) is born cancelled. */
  addTask(draft: TaskDraft, placement: Placement): TaskState {
    const task: TaskState = { ...draft, ...placement, status: this.active ? 'open' : 'cancelled', escalationLevel: 0, extendedMs: 0, revision: 0 };
    this.state.tasks.push(task);
    this.changes.touch(task);
    this.log({ action: this.active ? 'task-opened' : 'task-cancelled', taskId: task.id, detail: placement.assigneeId ?? undefined });
    return task;
  }

  /** Asks the main loop to run these stages again before going on (a failed check-in reopening support). */
  requestReopen(stages: string[]) {
    this.reopenRequest.push(...stages);
  }

  takeReopenRequest(): string[] {
    return this.reopenRequest.splice(0);
  }

  /** Asks for outcome tasks (a referral, tracing, the police) to open in `stage`. */
  requestOpen(stage: string, keys: string[]) {
    for (const key of keys) this.openRequest.push({ stage, policy: this.policyOf({ key }) });
  }

  hasOpenRequest() {
    return this.openRequest.length > 0;
  }

  takeOpenRequest() {
    return this.openRequest.splice(0);
  }

  /** Outcome tasks of `stage` asked for, being placed or still open: the stage waits for them. */
  outcomeTasksPending(stage: string): boolean {
    if (this.opening > 0 || this.openRequest.some((r) => r.stage === stage)) return true;
    const keys = new Set((this.policy.outcomeTasks ?? []).map((t) => t.key));
    return this.openTasks().some((t) => t.stage === stage && keys.has(t.key));
  }

  /** Cancels a live task that can no longer be done (the consent it needs was withdrawn). */
  cancelTask(task: TaskState, detail: string, by?: string) {
    task.status = 'cancelled';
    this.changes.touch(task);
    this.log({ action: 'task-cancelled', taskId: task.id, by, detail });
  }

  recordEscalation(task: TaskState, phase: EscalationPhase, level: number) {
    task.escalationLevel = level;
    this.changes.touch(task);
    this.log({ action: 'escalated', taskId: task.id, detail: `${phase}:${level}` });
  }

  close(reason: ClosureReason, by?: string) {
    if (!this.active) return;
    this.state.status = 'closed';
    this.state.closedAt = iso(Date.now());
    this.state.closureReason = reason;
    // Closed another way (consent withdrawn, say): a pending request has nothing left to decide.
    delete this.state.closureRequest;
    for (const task of this.openTasks()) {
      task.status = 'cancelled';
      this.changes.touch(task);
      this.log({ action: 'task-cancelled', taskId: task.id });
    }
    this.log({ action: 'case-closed', by, detail: reason });
  }

  openTasks() {
    return this.state.tasks.filter((t) => t.status === 'open' || t.status === 'acknowledged');
  }

  task(id: string): TaskState | undefined {
    return this.state.tasks.find((t) => t.id === id);
  }

  policyOf(task: Pick<TaskState, 'key'>): TaskPolicy {
    const policy = taskPolicyOf(this.policy, task.key);
    if (!policy) throw new Error(`policy ${this.policy.id} v${this.policy.version} has no task ${task.key}`);
    return policy;
  }

  ladderOf(task: TaskState): EscalationLadder {
    return this.policy.ladders[this.policyOf(task).ladder]!;
  }

  /** Whoever acts on an open task has seen it: its acknowledgement ladder stops. */
  markAcknowledged(task: TaskState) {
    if (task.status === 'open') {
      task.status = 'acknowledged';
      task.acknowledgedAt = iso(Date.now());
      task.escalationLevel = 0;
    }
    this.changes.touch(task);
  }

  /** New deadlines or a new holder: the task's ladder starts over (see task-watch.ts). */
  restartTimers(task: TaskState) {
    task.revision++;
    task.escalationLevel = 0;
    this.changes.touch(task);
  }

  log(entry: Omit<HistoryEntry, 'at' | 'seq'>) {
    this.state.history.push({ seq: this.state.history.length + 1, at: iso(Date.now()), ...entry });
  }
}

export const iso = (ms: number) => new Date(ms).toISOString();

/** A task's condition on the case's facts (src/policy/schema.ts, TaskCondition). */
export function holds(when: TaskCondition | undefined, facts: CaseFacts | undefined): boolean {
  if (!when) return true;
  if (when.notifiedBy && !(facts?.notifiedBy && when.notifiedBy.includes(facts.notifiedBy))) return false;
  if (when.child !== undefined && (facts?.child ?? false) !== when.child) return false;
  return true;
}
