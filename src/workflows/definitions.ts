/**
 * The journey workflow's contract, shared by the workflow, the worker and the API:
 * input, state, updates and queries. Payloads are zod schemas.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import { CaseCode, type ClosureReason } from '../domain/case';
import { ProvinceCode } from '../domain/provinces';
import type { JourneyPolicy, TaskPolicy } from '../policy/schema';

export const JOURNEY_WORKFLOW = 'journey';
export const journeyWorkflowId = (caseCode: string) => `journey-${caseCode}`;

export const OpenCase = z.strictObject({
  caseCode: CaseCode,
  province: ProvinceCode,
  leadAgencyId: z.string().min(1).max(64),
});
export type OpenCase = z.infer<typeof OpenCase>;

export interface JourneyInput extends OpenCase {
  /** The policy in force when the case was opened: a copy, so later edits do not change this journey. */
  policy: JourneyPolicy;
}

export type TaskStatus = 'open' | 'acknowledged' | 'done';
export type EscalationPhase = 'acknowledge' | 'complete';

export interface TaskState {
  id: string;
  key: string;
  stage: string;
  title: TaskPolicy['title'];
  agencyId: string;
  assigneeId: string | null;
  status: TaskStatus;
  createdAt: string;
  acknowledgeDueAt: string;
  completeDueAt: string;
  /** The ladder step reached in the current phase: 0 = none yet, 1 = reminder, … */
  escalationLevel: number;
  acknowledgedAt?: string;
  completedAt?: string;
  outcome?: string;
}

export interface HistoryEntry {
  at: string;
  action: 'case-opened' | 'stage-started' | 'task-opened' | 'acknowledged' | 'completed' | 'escalated' | 'case-closed';
  taskId?: string;
  by?: string;
  detail?: string;
}

export interface JourneyState {
  caseCode: string;
  province: string;
  leadAgencyId: string;
  policy: { id: string; version: number };
  stage: string;
  status: 'active' | 'closed';
  openedAt: string;
  closedAt?: string;
  closureReason?: ClosureReason;
  tasks: TaskState[];
  history: HistoryEntry[];
}

const Actor = { taskId: z.string().min(1).max(200), staffId: z.string().min(1).max(64), agencyId: z.string().min(1).max(64) };

export const AcknowledgeTask = z.strictObject(Actor);
export type AcknowledgeTask = z.infer<typeof AcknowledgeTask>;

export const CompleteTask = z.strictObject({ ...Actor, outcome: z.string().min(1).max(64).optional() });
export type CompleteTask = z.infer<typeof CompleteTask>;

export const acknowledgeTaskUpdate = defineUpdate<TaskState, [AcknowledgeTask]>('acknowledgeTask');
export const completeTaskUpdate = defineUpdate<TaskState, [CompleteTask]>('completeTask');
export const journeyStateQuery = defineQuery<JourneyState>('journeyState');

/** Reasons an update is refused; the API turns these `type`s into 4xx answers. */
export const TaskRejection = {
  notFound: 'TaskNotFound',
  wrongAgency: 'TaskOfAnotherAgency',
  alreadyDone: 'TaskAlreadyDone',
  alreadyAcknowledged: 'TaskAlreadyAcknowledged',
  invalidOutcome: 'InvalidOutcome',
  invalidInput: 'InvalidInput',
  caseClosed: 'CaseClosed',
} as const;
