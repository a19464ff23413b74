/**
 * A case as the database recorded it, for when Temporal no longer keeps its workflow (a closed
 * journey past the namespace's retention). Same shape as the journey query, built from the rows
 * the journey's sync activity wrote; task titles come from the policy in force.
 */
import type { Database } from '../db/client';
import type { CaseFacts, ClosureReason, IntakeSource } from '../domain/case';
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
    ...factsOfRow(row),
    tasks: tasks.map((t) => recordedTaskOf(t, taskPolicyOf(policy, t.key)?.title ?? { vi: t.key, en: t.key })),
    history,
    source: 'records',
  };
}

/** The intake facts the sync wrote on the case's row; none for cases opened before they were recorded. */
function factsOfRow(row: { notifiedAt: Date | null; notifiedBy: string | null; isChild: boolean | null; familyId: string | null }): { facts?: CaseFacts } {
  const facts: CaseFacts = {
    ...(row.notifiedAt ? { notifiedAt: row.notifiedAt.toISOString() } : {}),
    ...(row.notifiedBy ? { notifiedBy: row.notifiedBy as IntakeSource } : {}),
    ...(row.isChild !== null ? { child: row.isChild } : {}),
    ...(row.familyId ? { familyId: row.familyId } : {}),
  };
  return Object.keys(facts).length ? { facts } : {};
}

/** The other cases of a family, by their rows (each journey's sync wrote its family id). */
export async function familyCasesOf({ prisma }: Database, caseCode: string, familyId: string | undefined): Promise<string[]> {
  if (!familyId) return [];
  const rows = await prisma.case.findMany({ where: { familyId, code: { not: caseCode } }, select: { code: true }, orderBy: [{ openedAt: 'asc' }, { code: 'asc' }] });
  return rows.map((r) => r.code);
}
