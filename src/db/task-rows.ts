/**
 * The one mapping between a task as the journey holds it (src/journey/task.ts) and its row:
 * same names, ISO strings on one side and dates on the other.
 */
import type { Placement, RecordedTask, TaskDraft, TaskState, TaskStatus } from '../journey/definitions';
import type { Task } from './client';

const date = (iso: string | undefined) => (iso ? new Date(iso) : null);

/** The row of a task the journey just opened. */
export function newTaskRow(t: TaskDraft & Placement & { caseCode: string }) {
  return {
    id: t.id,
    caseCode: t.caseCode,
    key: t.key,
    stage: t.stage,
    agencyId: t.agencyId,
    assigneeId: t.assigneeId,
    status: 'open',
    acknowledgeDueAt: new Date(t.acknowledgeDueAt),
    completeDueAt: new Date(t.completeDueAt),
    createdAt: new Date(t.createdAt),
  };
}

/** What a journey sync writes of a task it changed. */
export function taskRowChanges(t: TaskState) {
  return {
    agencyId: t.agencyId,
    assigneeId: t.assigneeId,
    status: t.status,
    escalationLevel: t.escalationLevel,
    acknowledgeDueAt: new Date(t.acknowledgeDueAt),
    completeDueAt: new Date(t.completeDueAt),
    acknowledgedAt: date(t.acknowledgedAt),
    completedAt: date(t.completedAt),
    outcome: t.outcome ?? null,
  };
}

/** A row read back as the journey's task; its title comes from the policy. */
export function recordedTaskOf(row: Task, title: RecordedTask['title']): RecordedTask {
  return {
    id: row.id,
    key: row.key,
    stage: row.stage,
    title,
    agencyId: row.agencyId,
    assigneeId: row.assigneeId,
    status: row.status as TaskStatus,
    createdAt: row.createdAt.toISOString(),
    acknowledgeDueAt: row.acknowledgeDueAt.toISOString(),
    completeDueAt: row.completeDueAt.toISOString(),
    escalationLevel: row.escalationLevel,
    ...(row.acknowledgedAt ? { acknowledgedAt: row.acknowledgedAt.toISOString() } : {}),
    ...(row.completedAt ? { completedAt: row.completedAt.toISOString() } : {}),
    ...(row.outcome ? { outcome: row.outcome } : {}),
  };
}
