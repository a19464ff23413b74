/**
 * A case as the database recorded it, for when Temporal no longer keeps its workflow (a closed
 * journey past the namespace's retention). Same shape as the journey query, built from the rows
 * the journey's sync activity wrote; task titles come from the policy in force.
 */
import type { Database } from '../db/client';
import type { ClosureReason } from '../domain/case';
import type { JourneyPolicy } from '../policy/schema';
import { taskPolicyOf } from '../policy/tasks';
import { recordedTaskOf } from '../db/task-rows';
import type { HistoryEntry, JourneyState, RecordedTask } from '../journey/definitions';

type RecordedCase = Omit<JourneyState, 'round' | 'consent' | 'plan' | 'transfer' | 'tasks'> & {
  tasks: RecordedTask[];
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
    policy: row.policyId && row.policyVersion !== null ? { id: row.policyId, version: row.policyVersion } : { id: policy.id, version: policy.version },
    stage: row.stage,
    status: row.status === 'closed' ? 'closed' : 'active',
    openedAt: row.openedAt.toISOString(),
    ...(row.closedAt ? { closedAt: row.closedAt.toISOString() } : {}),
    ...(row.closureReason ? { closureReason: row.closureReason as ClosureReason } : {}),
    tasks: tasks.map((t) => recordedTaskOf(t, taskPolicyOf(policy, t.key)?.title ?? { vi: t.key, en: t.key })),
    history,
    source: 'records',
  };
}
