/**
 * Writes the journey's facts to the database for reports and the API, and places tasks with
 * agencies and people from the directory. The workflow stays the source of truth for what happens
 * next; every write here is an idempotent upsert, so a retried activity changes nothing twice.
 */
import type { AgencyKind } from '../domain/agencies';
import type { ClosureReason } from '../domain/case';
import type { Database } from '../db/client';
import { freeReplyCode, isReplyCodeClash } from '../db/reply-codes';
import { newTaskRow, taskRowChanges } from '../db/task-rows';
import { ACTIVE_TASK_STATUSES } from '../db/task-rules';
import { readPolicy } from '../db/policy-bodies';
import { POLICY_SCHEMA_REVISION, type ResolvedPolicy } from '../policy/schema-revision';
import { JourneyPolicy } from '../policy/schema';
import { journeyWorkflowId, type JourneyChanges, type Placement, type PolicyRef, type TaskDraft } from '../journey/definitions';

type Prisma = Database['prisma'];

interface Where {
  province: string;
  agencyKind: AgencyKind;
  /** Holds the task when the province has no agency of that kind. */
  leadAgencyId: string;
}

export interface TaskOpening extends TaskDraft, Where {
  caseCode: string;
}

/**
 * The province's agency of the policy's kind (the lead agency for its own kind), and there the
 * active staff member of `role` with the fewest open tasks. With no such agency the lead agency
 * holds the task unassigned, and its ladder reaches the supervisors and the coordinator.
 */
async function place(prisma: Prisma, w: Where, role = 'caseworker'): Promise<Placement> {
  const lead = await prisma.agency.findUnique({ where: { id: w.leadAgencyId } });
  const agency =
    lead?.kind === w.agencyKind && lead.province === w.province
      ? lead
      : await prisma.agency.findFirst({ where: { province: w.province, kind: w.agencyKind }, orderBy: { id: 'asc' } });
  if (!agency) return { agencyId: w.leadAgencyId, assigneeId: null };
  const candidates = await prisma.staffMember.findMany({
    where: { agencyId: agency.id, role, active: true },
    include: { _count: { select: { tasks: { where: { status: { in: ACTIVE_TASK_STATUSES } } } } } },
    orderBy: { id: 'asc' },
  });
  const least = candidates.reduce<(typeof candidates)[number] | undefined>((best, s) => (!best || s._count.tasks < best._count.tasks ? s : best), undefined);
  return { agencyId: agency.id, assigneeId: least?.id ?? null };
}

/** One transaction: the case, its tasks and its history never disagree, even after a crash. */
async function syncJourney(prisma: Prisma, { summary: c, tasks, history }: JourneyChanges): Promise<void> {
  const caseRow = {
    province: c.province,
    leadAgencyId: c.leadAgencyId,
    stage: c.stage,
    status: c.status,
    closedAt: c.closedAt ? new Date(c.closedAt) : null,
    closureReason: c.closureReason ?? null,
    policyId: c.policy.id,
    policyVersion: c.policy.version,
  };
  await prisma.$transaction([
    prisma.case.upsert({
      where: { code: c.caseCode },
      create: { code: c.caseCode, workflowId: journeyWorkflowId(c.caseCode), openedAt: new Date(c.openedAt), ...caseRow },
      update: caseRow,
    }),
    ...tasks.map((t) => prisma.task.update({ where: { id: t.id }, data: taskRowChanges(t) })),
    ...history.map((h) => {
      const id = `${c.caseCode}#${h.seq}`;
      const row = { caseCode: c.caseCode, seq: h.seq, at: new Date(h.at), action: h.action, taskId: h.taskId ?? null, actorId: h.by ?? null, detail: h.detail ?? null };
      return prisma.journeyAction.upsert({ where: { id }, create: { id, ...row }, update: {} });
    }),
  ]);
}

/** A stage's opening: what changed in the journey so far, and the tasks the stage opens. */
export interface StageOpening {
  changes: JourneyChanges;
  tasks: TaskOpening[];
}

/** Places a task and writes its row, once: a retry finds the row and returns its placement. */
async function openTask(prisma: Prisma, t: TaskOpening): Promise<Placement> {
  const existing = await prisma.task.findUnique({ where: { id: t.id } });
  if (existing) return { agencyId: existing.agencyId, assigneeId: existing.assigneeId };
  const placement = await place(prisma, t);
  // The reply code staff type in an SMS answer; another task opened at the same instant may win a code.
  for (let attempt = 1; ; attempt++) {
    try {
      await prisma.task.create({ data: { ...newTaskRow({ ...t, ...placement }), replyCode: await freeReplyCode(prisma) } });
      return placement;
    } catch (error) {
      if (!isReplyCodeClash(error) || attempt >= 5) throw error;
    }
  }
}

export function recordActivities({ prisma }: Database) {
  /** Parsed bodies by digest: a digest names one body forever, so each is read and parsed once per worker. */
  const parsed = new Map<string, ResolvedPolicy>();
  return {
    async openTask(t: TaskOpening): Promise<Placement> {
      return openTask(prisma, t);
    },

    /**
     * Everything a stage's opening writes, in one activity instead of a sync and one activity per
     * task: the case row first (its tasks reference it), then each task, placed.
     */
    async openStage({ changes, tasks }: StageOpening): Promise<Placement[]> {
      await syncJourney(prisma, changes);
      const placements: Placement[] = [];
      for (const t of tasks) placements.push(await openTask(prisma, t));
      return placements;
    },

    /** A new home for an existing task (declined referral, accepted transfer); the sync records it. */
    async placeTask(p: Where & { taskId: string; role?: 'coordinator' }): Promise<Placement> {
      return place(prisma, p, p.role);
    },

    async syncJourney(changes: JourneyChanges): Promise<void> {
      return syncJourney(prisma, changes);
    },

    /**
     * The body of the policy a journey started with, parsed here so the workflow need not build the
     * schema (a local activity: its result is recorded once per run).
     */
    async resolvePolicy(ref: PolicyRef): Promise<ResolvedPolicy> {
      const known = parsed.get(ref.digest);
      if (known && known.policy.id === ref.id && known.policy.version === ref.version) return known;
      const resolved = { schemaRevision: POLICY_SCHEMA_REVISION, policy: JourneyPolicy.parse(await readPolicy(prisma, ref)) };
      parsed.set(ref.digest, resolved);
      return resolved;
    },
  };
}
