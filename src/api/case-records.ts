/**
 * A case as the database recorded it, for when Temporal no longer keeps its workflow (a closed
 * journey past the namespace's retention). Same shape as the journey query, built from the rows
 * the journey's sync activity wrote; task titles come from the policy in force.
 */
import type { Database } from '../db/client';
import type { ClosureReason } from '../domain/case';
import type { JourneyPolicy } from '../policy/schema';
import { taskPolicyOf } from '../policy/tasks';
import type { HistoryEntry, JourneyState, TaskState } from '../journey/definitions';

type RecordedCase = Omit<JourneyState, 'round' | 'consent' | 'plan' | 'transfer' | 'tasks'> & {
  tasks: Omit<TaskState, 'extendedMs' | 'revision'>[];
  /** Says the view comes from the records, not from a live journey. */
  source: 'records';
};

export async function caseFromRecords({ prisma }: Database, policy: JourneyPolicy, caseCode: string): Promise<RecordedCase | null> {
  const row = await prisma.case.findUnique({ where: { code: caseCode } });
  if (!row) return null;
  const [tasks, actions] = await Promise.all([
    prisma.task.findMany({ where: { caseCode }, orderBy: { createdAt: 'asc' } }),
    prisma.journeyAction.findMany({ where: { caseCode }, orderBy: { seq: 'asc' } }),
  ]);
  const history: HistoryEntry[] = actions.map((a) => ({
    seq: a.seq,
    at: a.at.toISOString(),
    action: a.action as HistoryEntry['action'],
    ...(a.taskId ? { taskId: a.taskId } : {}),
    ...(a.actorId ? { by: a.actorId } : {}),
    ...(a.detail ? { detail: a.detail } : {}),
  }));
  return {
    caseCode,
    province: row.province,
    leadAgencyId: row.leadAgencyId,
    policy: policyOf(history) ?? { id: policy.id, version: policy.version },
    stage: row.stage,
    status: row.status === 'closed' ? 'closed' : 'active',
    openedAt: row.openedAt.toISOString(),
    ...(row.closedAt ? { closedAt: row.closedAt.toISOString() } : {}),
    ...(row.closureReason ? { closureReason: row.closureReason as ClosureReason } : {}),
    tasks: tasks.map((t) => ({
      id: t.id,
      key: t.taskKey,
      stage: t.stage,
      title: taskPolicyOf(policy, t.taskKey)?.title ?? { vi: t.taskKey, en: t.taskKey },
      agencyId: t.agencyId,
      assigneeId: t.assigneeId,
      status: t.status as TaskState['status'],
      createdAt: t.createdAt.toISOString(),
      acknowledgeDueAt: t.ackDueAt.toISOString(),
      completeDueAt: t.doneDueAt.toISOString(),
      escalationLevel: t.escalationLevel,
      ...(t.acknowledgedAt ? { acknowledgedAt: t.acknowledgedAt.toISOString() } : {}),
      ...(t.completedAt ? { completedAt: t.completedAt.toISOString() } : {}),
      ...(t.outcome ? { outcome: t.outcome } : {}),
    })),
    history,
    source: 'records',
  };
}

/** The journey logs its policy when it opens ("vn-default v1") and when it moves to another. */
function policyOf(history: HistoryEntry[]): { id: string; version: number } | undefined {
  const opened = history.find((h) => h.action === 'case-opened')?.detail?.match(/^(\S+) v(\d+)$/);
  const lastChange = history.filter((h) => h.action === 'policy-changed').at(-1)?.detail?.match(/→v(\d+)$/);
  if (!opened) return undefined;
  return { id: opened[1]!, version: Number(lastChange?.[1] ?? opened[2]) };
}
