/**
 * The journey's state and the rules that change it. Pure: no timers, no activities, so the
 * rules read in one place and every update is validated against exactly what it will change.
 */
import { ApplicationFailure } from '@temporalio/workflow';
import type { ClosureReason } from '../domain/case';
import { durationMs } from '../policy/duration';
import type { EscalationLadder, JourneyPolicy, StagePolicy, TaskPolicy } from '../policy/schema';
import { taskPolicyOf } from '../policy/tasks';
import {
  TaskRejection,
  type AcknowledgeTask,
  type AddNote,
  type CloseCase,
  type CompleteTask,
  type DeclineReferral,
  type EscalationPhase,
  type ExtendDeadline,
  type HistoryEntry,
  type JourneyInput,
  type JourneyState,
  type Placement,
  type TaskDraft,
  type ReassignTask,
  type TaskState,
  type TransferCase,
} from '../journey/definitions';

interface Actor {
  staffId: string;
  agencyId: string;
}

/** The stage name of a transfer's acceptance task, which lives beside the journey's stages. */
export const TRANSFER_STAGE = 'transfer';

export class Journey {
  readonly state: JourneyState;
  policy: JourneyPolicy;
  /** Stages an outcome asked to run again, taken by the main loop. */
  private reopenRequest: string[] = [];
  /** Tasks changed since the last write to the database. */
  private readonly dirty = new Set<string>();
  private synced = 0;

  constructor(input: JourneyInput, now: string) {
    this.policy = input.policy;
    if (input.resume) {
      this.state = input.resume.state;
      this.synced = this.state.history.length;
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
      consent: { given: false },
      plan: [],
      tasks: [],
      history: [],
    };
    this.log({ action: 'case-opened', detail: `${input.policy.id} v${input.policy.version}` });
  }

  get active() {
    return this.state.status === 'active';
  }

  // ---- the procedure ------------------------------------------------------------------------

  startStage(stage: StagePolicy, round: number) {
    this.state.stage = stage.key;
    this.state.round = round;
    this.log({ action: 'stage-started', detail: stage.repeat ? `${stage.key}#${round + 1}` : stage.key });
  }

  /** The tasks a stage opens: all, except services the support plan did not choose. */
  tasksToOpen(stage: StagePolicy): TaskPolicy[] {
    return stage.tasks.filter((t) => !t.onlyIfPlanned || this.state.plan.includes(t.key));
  }

  /** SLAs count from now, or from the case's opening when the policy says so (Art. 27's 3 days). */
  draftTask(stage: string, policy: Pick<TaskPolicy, 'key' | 'title' | 'acknowledgeWithin' | 'completeWithin'> & { clock?: 'task' | 'case' }): TaskDraft {
    const now = Date.now();
    const clockStart = policy.clock === 'case' ? Date.parse(this.state.openedAt) : now;
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
    this.touch(task);
    this.log({ action: this.active ? 'task-opened' : 'task-cancelled', taskId: task.id, detail: placement.assigneeId ?? undefined });
    return task;
  }

  /** What the main loop must run again before going on (a failed check-in reopening support). */
  takeReopenRequest(): string[] {
    return this.reopenRequest.splice(0);
  }

  recordEscalation(task: TaskState, phase: EscalationPhase, level: number) {
    task.escalationLevel = level;
    this.touch(task);
    this.log({ action: 'escalated', taskId: task.id, detail: `${phase}:${level}` });
  }

  close(reason: ClosureReason, by?: string) {
    if (!this.active) return;
    this.state.status = 'closed';
    this.state.closedAt = iso(Date.now());
    this.state.closureReason = reason;
    for (const task of this.openTasks()) {
      task.status = 'cancelled';
      this.touch(task);
      this.log({ action: 'task-cancelled', taskId: task.id });
    }
    this.log({ action: 'case-closed', by, detail: reason });
  }

  openTasks() {
    return this.state.tasks.filter((t) => t.status === 'open' || t.status === 'acknowledged');
  }

  policyOf(task: Pick<TaskState, 'key'>): TaskPolicy {
    const policy = taskPolicyOf(this.policy, task.key);
    if (!policy) throw new Error(`policy ${this.policy.id} v${this.policy.version} has no task ${task.key}`);
    return policy;
  }

  ladderOf(task: TaskState): EscalationLadder {
    return this.policy.ladders[this.policyOf(task).ladder]!;
  }

  // ---- staff actions: assert* validate (and change nothing), the others apply -------------------

  assertCanAcknowledge(u: AcknowledgeTask) {
    const task = this.actionableTask(u);
    if (task.status !== 'open') reject(TaskRejection.alreadyAcknowledged, `task ${task.id} was already acknowledged`);
  }

  acknowledge(u: AcknowledgeTask): TaskState {
    const task = this.task(u.taskId)!;
    this.markAcknowledged(task);
    this.log({ action: 'acknowledged', taskId: task.id, by: u.staffId });
    return task;
  }

  assertCanComplete(u: CompleteTask) {
    const task = this.actionableTask(u);
    const policy = this.policyOf(task);
    const outcomes = policy.outcomes;
    if (outcomes && (u.outcome === undefined || !(u.outcome in outcomes))) {
      reject(TaskRejection.invalidOutcome, `task ${task.id} needs an outcome, one of: ${Object.keys(outcomes).join(', ')}`);
    }
    if (!outcomes && u.outcome !== undefined) reject(TaskRejection.invalidOutcome, `task ${task.id} takes no outcome`);
    // With no health department of the receiving province in the directory, the sending lead agency
    // holds the acceptance task: it may refuse the transfer, never accept it for the other province.
    if (task.stage === TRANSFER_STAGE && u.outcome === 'accepted' && task.agencyId === this.state.leadAgencyId) {
      reject(TaskRejection.wrongAgency, `only the receiving province's health department can accept the transfer to ${this.state.transfer?.toProvince}`);
    }
    if (policy.plans) this.assertValidPlan(policy.plans, u.plan ?? []);
    else if (u.plan !== undefined) reject(TaskRejection.invalidPlan, `task ${task.id} does not make a support plan`);
  }

  /** Completing also acknowledges: a person who did the work has seen the task. */
  complete(u: CompleteTask): TaskState {
    const task = this.task(u.taskId)!;
    this.markAcknowledged(task);
    task.status = 'done';
    task.completedAt = iso(Date.now());
    task.outcome = u.outcome;
    this.touch(task);
    this.log({ action: 'completed', taskId: task.id, by: u.staffId, detail: [u.outcome, u.plan?.join('+')].filter(Boolean).join(' ') || undefined });
    const policy = this.policyOf(task);
    if (policy.plans) this.state.plan = [...(u.plan ?? [])];
    const outcome = u.outcome === undefined ? undefined : policy.outcomes?.[u.outcome];
    if (outcome?.reopens) this.reopenRequest.push(...outcome.reopens);
    if (outcome?.closesCase) this.close(outcome.closesCase, u.staffId);
    return task;
  }

  assertCanAddNote(u: AddNote) {
    this.actionableTask(u, { allowDone: true });
  }

  addNote(u: AddNote): TaskState {
    const task = this.task(u.taskId)!;
    this.log({ action: 'note-added', taskId: task.id, by: u.staffId, detail: u.noteId });
    return task;
  }

  assertCanExtend(u: ExtendDeadline) {
    const task = this.actionableTask(u);
    const cap = durationMs(this.policyOf(task).maxExtension);
    const asked = durationMs(u.extendBy);
    if (asked <= 0) reject(TaskRejection.invalidInput, 'extendBy must be longer than zero');
    if (task.extendedMs + asked > cap) {
      reject(
        TaskRejection.extensionTooLong,
        cap === 0
          ? `the deadline of task ${task.id} cannot be extended`
          : `task ${task.id} may be extended by at most ${this.policyOf(task).maxExtension} in all; ${fmtHours(cap - task.extendedMs)} remain`,
      );
    }
  }

  /** Asking for more time acknowledges the task and moves its completion deadline. */
  extend(u: ExtendDeadline): TaskState {
    const task = this.task(u.taskId)!;
    const by = durationMs(u.extendBy);
    this.markAcknowledged(task);
    task.extendedMs += by;
    task.completeDueAt = iso(Date.parse(task.completeDueAt) + by);
    this.restartTimers(task);
    this.log({ action: 'deadline-extended', taskId: task.id, by: u.staffId, detail: `${u.extendBy} ${u.reason}` });
    return task;
  }

  assertCanReassign(u: ReassignTask) {
    const task = this.actionableTask(u, { leadAgencyMayAct: true });
    if (task.stage === TRANSFER_STAGE && u.toAgencyId !== task.agencyId) {
      reject(TaskRejection.wrongAgency, `only the receiving province accepts a transfer; ${task.id} stays with ${task.agencyId}`);
    }
    if (u.toAgencyId !== task.agencyId && u.agencyId !== this.state.leadAgencyId) {
      reject(TaskRejection.wrongAgency, `only the lead agency can refer task ${task.id} to another agency; reassign within ${task.agencyId}`);
    }
  }

  /** The new person must acknowledge again; the completion deadline stays. */
  reassign(u: ReassignTask): TaskState {
    const task = this.task(u.taskId)!;
    task.agencyId = u.toAgencyId;
    task.assigneeId = u.toStaffId;
    task.status = 'open';
    delete task.acknowledgedAt;
    task.acknowledgeDueAt = iso(Date.now() + durationMs(this.policyOf(task).acknowledgeWithin));
    this.restartTimers(task);
    this.log({ action: 'reassigned', taskId: task.id, by: u.staffId, detail: `${u.toAgencyId}/${u.toStaffId}` });
    return task;
  }

  assertCanDecline(u: DeclineReferral) {
    const task = this.actionableTask(u);
    if (task.agencyId === this.state.leadAgencyId) reject(TaskRejection.notAReferral, `task ${task.id} is the lead agency's own, not a referral`);
  }

  /** A declined referral goes back to the lead agency's coordinator, with fresh deadlines. */
  decline(u: DeclineReferral, coordinator: Placement): TaskState {
    this.assertCanDecline(u); // again: the task may have been done while the coordinator was looked up
    const task = this.task(u.taskId)!;
    const policy = this.policyOf(task);
    Object.assign(task, coordinator, {
      status: 'open',
      acknowledgeDueAt: iso(Date.now() + durationMs(policy.acknowledgeWithin)),
      completeDueAt: iso(Date.now() + durationMs(policy.completeWithin)),
    });
    delete task.acknowledgedAt;
    this.restartTimers(task);
    this.log({ action: 'referral-declined', taskId: task.id, by: u.staffId, detail: u.reason });
    return task;
  }

  assertCanTransfer(u: TransferCase) {
    this.assertLeadAgency(u);
    if (u.toProvince === this.state.province) reject(TaskRejection.sameProvince, `the case is already in ${u.toProvince}`);
    if (this.state.transfer?.status === 'pending') {
      reject(TaskRejection.transferPending, `a transfer to ${this.state.transfer.toProvince} is waiting for acceptance`);
    }
  }

  requestTransfer(u: TransferCase, taskId: string) {
    this.state.transfer = { toProvince: u.toProvince, taskId, status: 'pending' };
    this.log({ action: 'transfer-requested', taskId, by: u.staffId, detail: `${u.toProvince} ${u.reason}` });
  }

  /** Called when the acceptance task is done: an accepted case moves, its open tasks move with it. */
  settleTransfer(task: TaskState): 'accepted' | 'refused' {
    const transfer = this.state.transfer!;
    transfer.status = task.outcome === 'accepted' ? 'accepted' : 'refused';
    if (transfer.status === 'accepted') {
      this.state.province = transfer.toProvince;
      this.state.leadAgencyId = task.agencyId;
    }
    this.log({ action: transfer.status === 'accepted' ? 'transfer-accepted' : 'transfer-refused', taskId: task.id, detail: transfer.toProvince });
    return transfer.status;
  }

  /** After an accepted transfer: the receiving province's agency of the same kind holds the task. */
  movePlacement(task: TaskState, placement: Placement) {
    Object.assign(task, placement);
    this.restartTimers(task);
  }

  assertCanRecordConsent(u: Actor) {
    this.assertLeadAgency(u);
  }

  recordConsent(u: Actor) {
    this.state.consent = { given: true, at: iso(Date.now()), by: u.staffId };
    this.log({ action: 'consent-recorded', by: u.staffId });
    return this.state.consent;
  }

  /** Without consent there is no support to give: the case closes. */
  withdrawConsent(u: Actor) {
    this.state.consent = { given: false, at: iso(Date.now()), by: u.staffId };
    this.log({ action: 'consent-withdrawn', by: u.staffId });
    this.close('consent_withdrawn', u.staffId);
    return this.state.consent;
  }

  assertCanClose(u: CloseCase) {
    this.assertLeadAgency(u);
  }

  assertCanChangePolicy(u: Actor & { policy: JourneyPolicy }) {
    this.assertLeadAgency(u);
    const { id, version } = this.state.policy;
    if (u.policy.id !== id || u.policy.version <= version) {
      reject(TaskRejection.policyNotNewer, `the journey follows ${id} v${version}; only a newer version of ${id} can replace it`);
    }
    if (!u.policy.stages.some((s) => s.key === this.state.stage)) {
      reject(TaskRejection.policyNotNewer, `${id} v${u.policy.version} has no stage "${this.state.stage}", where this journey is now`);
    }
    for (const task of this.state.tasks) {
      if (!taskPolicyOf(u.policy, task.key)) {
        reject(TaskRejection.policyNotNewer, `${id} v${u.policy.version} has no task "${task.key}", which this journey has`);
      }
    }
  }

  /** Deadlines already set stay; what comes next follows the new version. */
  changePolicy(u: Actor & { policy: JourneyPolicy }) {
    const from = this.state.policy.version;
    this.policy = u.policy;
    this.state.policy = { id: u.policy.id, version: u.policy.version };
    this.log({ action: 'policy-changed', by: u.staffId, detail: `v${from}→v${u.policy.version}` });
    return this.state.policy;
  }

  // ---- database sync --------------------------------------------------------------------------

  /** What changed since the last sync: written to the database by one activity. */
  takeChanges() {
    const tasks = this.state.tasks.filter((t) => this.dirty.has(t.id));
    const history = this.state.history.slice(this.synced);
    this.dirty.clear();
    this.synced = this.state.history.length;
    return { summary: this.caseSummary(), tasks, history };
  }

  caseSummary() {
    const { caseCode, province, leadAgencyId, stage, status, openedAt, closedAt, closureReason } = this.state;
    return { caseCode, province, leadAgencyId, stage, status, openedAt, closedAt, closureReason };
  }

  // ---- helpers ----------------------------------------------------------------------------------

  private assertValidPlan(stageKey: string, plan: string[]) {
    const stage = this.policy.stages.find((s) => s.key === stageKey)!;
    const offered = stage.tasks.filter((t) => t.onlyIfPlanned);
    for (const key of plan) {
      const task = offered.find((t) => t.key === key);
      if (!task) reject(TaskRejection.invalidPlan, `"${key}" is not a service of the plan; choose from: ${offered.map((t) => t.key).join(', ')}`);
      if (task.requiresConsent && !this.state.consent.given) {
        reject(TaskRejection.consentRequired, `record the person's consent before referring "${key}" to ${task.agency === 'ngo' ? 'IOM/an NGO' : task.agency}`);
      }
    }
    if (new Set(plan).size !== plan.length) reject(TaskRejection.invalidPlan, 'the plan names a service twice');
  }

  private markAcknowledged(task: TaskState) {
    if (task.status === 'open') {
      task.status = 'acknowledged';
      task.acknowledgedAt = iso(Date.now());
      task.escalationLevel = 0;
    }
    this.touch(task);
  }

  private restartTimers(task: TaskState) {
    task.revision++;
    task.escalationLevel = 0;
    this.touch(task);
  }

  private assertLeadAgency(u: Actor) {
    if (!this.active) reject(TaskRejection.caseClosed, `case ${this.state.caseCode} is closed`);
    if (u.agencyId !== this.state.leadAgencyId) reject(TaskRejection.notLeadAgency, `only the lead agency (${this.state.leadAgencyId}) can do this`);
  }

  private actionableTask(u: { taskId: string; agencyId: string }, opts: { allowDone?: boolean; leadAgencyMayAct?: boolean } = {}): TaskState {
    if (!this.active) reject(TaskRejection.caseClosed, `case ${this.state.caseCode} is closed`);
    const task = this.task(u.taskId);
    if (!task) return reject(TaskRejection.notFound, `case ${this.state.caseCode} has no task ${u.taskId}`);
    const mayAct = task.agencyId === u.agencyId || (opts.leadAgencyMayAct && u.agencyId === this.state.leadAgencyId);
    if (!mayAct) reject(TaskRejection.wrongAgency, `task ${task.id} belongs to another agency`);
    if (task.status === 'done' && !opts.allowDone) reject(TaskRejection.alreadyDone, `task ${task.id} is already done`);
    if (task.status === 'cancelled') reject(TaskRejection.alreadyDone, `task ${task.id} was cancelled`);
    return task;
  }

  private task(id: string) {
    return this.state.tasks.find((t) => t.id === id);
  }

  private touch(task: TaskState) {
    this.dirty.add(task.id);
  }

  private log(entry: Omit<HistoryEntry, 'at' | 'seq'>) {
    this.state.history.push({ seq: this.state.history.length + 1, at: iso(Date.now()), ...entry });
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
const fmtHours = (ms: number) => `${Math.round(ms / 3_600_000)}h`;
