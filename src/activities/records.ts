/**
 * Writes the journey's facts to the database for reports and the API. The workflow stays the
 * source of truth for what happens next; every write here is an idempotent upsert, so a retried
 * activity changes nothing twice.
 */
import type { ClosureReason } from '../domain/case';
import type { AgencyKind } from '../domain/agencies';
import type { Database } from '../db/client';
import type { TaskState } from '../workflows/definitions';
import type { TaskDraft } from '../workflows/journey-state';

export interface CaseSummary {
  caseCode: string;
  province: string;
  leadAgencyId: string;
  stage: string;
  status: string;
  openedAt: string;
  closedAt?: string;
  closureReason?: ClosureReason;
}

export interface TaskOpening extends TaskDraft {
  caseCode: string;
  province: string;
  agencyKind: AgencyKind;
  leadAgencyId: string;
}

export function recordActivities({ prisma }: Database) {
  return {
    async recordCaseOpened(c: CaseSummary & { workflowId: string }): Promise<void> {
      await prisma.case.upsert({
        where: { code: c.caseCode },
        create: {
          code: c.caseCode,
          province: c.province,
          leadAgencyId: c.leadAgencyId,
          workflowId: c.workflowId,
          stage: c.stage,
          status: c.status,
          openedAt: new Date(c.openedAt),
        },
        update: {},
      });
    },

    async recordCaseStage(c: CaseSummary): Promise<void> {
      await prisma.case.update({
        where: { code: c.caseCode },
        data: {
          stage: c.stage,
          status: c.status,
          closedAt: c.closedAt ? new Date(c.closedAt) : null,
          closureReason: c.closureReason ?? null,
        },
      });
    },

    /**
     * Places a task with the province's agency of the policy's kind (the lead agency for its own
     * kind) and the active caseworker there with the fewest open tasks. With no such agency the
     * lead agency holds it unassigned, and its ladder reaches the coordinator.
     */
    async openTask(t: TaskOpening): Promise<{ agencyId: string; assigneeId: string | null }> {
      const existing = await prisma.task.findUnique({ where: { id: t.id } });
      if (existing) return { agencyId: existing.agencyId, assigneeId: existing.assigneeId };

      const lead = await prisma.agency.findUnique({ where: { id: t.leadAgencyId } });
      const agency =
        lead?.kind === t.agencyKind
          ? lead
          : await prisma.agency.findFirst({ where: { province: t.province, kind: t.agencyKind }, orderBy: { id: 'asc' } });
      const agencyId = agency?.id ?? t.leadAgencyId;
      const caseworkers = agency
        ? await prisma.staffMember.findMany({
            where: { agencyId, role: 'caseworker', active: true },
            include: { _count: { select: { tasks: { where: { status: { not: 'done' } } } } } },
            orderBy: { id: 'asc' },
          })
        : [];
      const assignee = caseworkers.reduce<(typeof caseworkers)[number] | undefined>(
        (best, s) => (best === undefined || s._count.tasks < best._count.tasks ? s : best),
        undefined,
      );
      await prisma.task.create({
        data: {
          id: t.id,
          caseCode: t.caseCode,
          taskKey: t.key,
          stage: t.stage,
          agencyId,
          assigneeId: assignee?.id ?? null,
          status: 'open',
          ackDueAt: new Date(t.acknowledgeDueAt),
          doneDueAt: new Date(t.completeDueAt),
          createdAt: new Date(t.createdAt),
        },
      });
      return { agencyId, assigneeId: assignee?.id ?? null };
    },

    async recordTask(t: TaskState): Promise<void> {
      await prisma.task.update({
        where: { id: t.id },
        data: {
          status: t.status,
          assigneeId: t.assigneeId,
          escalationLevel: t.escalationLevel,
          ackDueAt: new Date(t.acknowledgeDueAt),
          doneDueAt: new Date(t.completeDueAt),
          acknowledgedAt: t.acknowledgedAt ? new Date(t.acknowledgedAt) : null,
          completedAt: t.completedAt ? new Date(t.completedAt) : null,
        },
      });
    },
  };
}
