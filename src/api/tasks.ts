/**
 * Task and case actions, each forwarded to the case's journey as a workflow update that answers
 * with its result or a typed refusal (mapped to 4xx in context.ts). The acting staff member is
 * the caller's (API key or token), never a field the caller may choose.
 */
import type { UpdateDefinition } from '@temporalio/common';
import { z } from 'zod';
import { ACTIVE_TASK_STATUSES, isOverdue } from '../db/task-rules';
import type { Permission } from '../auth/matrix';
import { ClosureReason } from '../domain/case';
import { ProvinceCode } from '../domain/provinces';
import { Duration } from '../policy/duration';
import { taskPolicyOf } from '../policy/tasks';
import {
  acknowledgeTaskUpdate,
  addNoteUpdate,
  changePolicyUpdate,
  closeCaseUpdate,
  completeTaskUpdate,
  DeclineReason,
  declineReferralUpdate,
  ExtensionReason,
  extendDeadlineUpdate,
  reassignTaskUpdate,
  recordConsentUpdate,
  transferCaseUpdate,
  TransferReason,
  withdrawConsentUpdate,
} from '../journey/definitions';
import { CaseParams } from './cases';
import { actorOf, auditAfter, authorizeCase, withJourney, type ApiContext, type CaseScope } from './context';
import { journeyHandle } from '../client/journeys';
import { Problem } from './problems';
import { q, type Input } from './routing';
import { ClosedView, ConsentView, MyTasks, NoteCreated, PolicyRef, TaskView } from './schemas';

export const TaskKey = z.string().regex(/^[a-z][a-z0-9-]{0,63}(\.[1-9][0-9]{0,3})?$/, 'a task key such as "reception" (or "follow-up-check-in.2")');
const TaskParams = z.strictObject({ code: CaseParams.shape.code, taskKey: TaskKey });
const StaffId = z.string().min(1).max(64);
const LegacyStaff = { staffId: StaffId.optional().describe('Optional; if given, must be the staff member of the credential') };

const Bodies = {
  acknowledge: z.strictObject({ ...LegacyStaff }),
  complete: z.strictObject({
    ...LegacyStaff,
    outcome: z.string().min(1).max(64).optional().describe('Required by tasks with outcomes (e.g. "victim" / "not_victim")'),
    plan: z.array(TaskKey).max(30).optional().describe('For the planning task: the services (task keys) the support plan chooses'),
  }),
  note: z.strictObject({ text: z.string().trim().min(1).max(4000).describe('Stored encrypted; the journey keeps only the note id') }),
  extend: z.strictObject({ extendBy: Duration.describe('e.g. "2d"'), reason: ExtensionReason }),
  reassign: z.strictObject({ toStaffId: StaffId, toAgencyId: z.string().min(1).max(64).optional().describe("Default: the new staff member's agency") }),
  decline: z.strictObject({ reason: DeclineReason }),
  close: z.strictObject({ reason: ClosureReason }),
  transfer: z.strictObject({ toProvince: ProvinceCode, reason: TransferReason }),
};


interface ActionSpec<B extends z.ZodType, R, A> {
  level: 'task' | 'case';
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  permission: Permission;
  body?: B;
  response: z.ZodType;
  update: UpdateDefinition<R, [A]>;
  /** The update's argument, from the caller's input (may store things first). */
  args(input: Input<{ code: string; taskKey?: string }, never, z.output<B>>, actor: { staffId: string; agencyId: string }, target: { caseCode: string; taskId: string; scope: CaseScope }): Promise<A>;
  /** Undo what `args` stored when the journey refused the update. */
  refused?(args: A): Promise<void>;
  respond?(result: R, args: A): unknown;
}

export function taskRoutes(ctx: ApiContext) {
  const { routes, db } = ctx;
  const { prisma } = db;

  function action<B extends z.ZodType, R, A>(spec: ActionSpec<B, R, A>) {
    const isTask = spec.level === 'task';
    routes.add(
      {
        method: 'POST',
        url: isTask ? `/cases/:code/tasks/:taskKey/${spec.path}` : `/cases/:code/${spec.path}`,
        operationId: spec.operationId,
        tag: isTask ? 'Tasks' : 'Case actions',
        summary: spec.summary,
        description: spec.description,
        access: spec.permission,
        params: isTask ? TaskParams : CaseParams,
        body: spec.body,
        responses: {
          200: { description: "The journey's answer", schema: spec.response },
          409: { description: 'The journey is not in a state that allows this (already done, case closed, …)' },
          422: { description: 'The journey refused the action (wrong outcome, extension too long, …)' },
        },
      },
      async (input) => {
        const { request, params, principal } = input;
        const p = params as { code: string; taskKey?: string };
        const scope = await authorizeCase(ctx, request, spec.permission, p.code);
        const actor = actorOf(principal, (input.body as { staffId?: string } | undefined)?.staffId);
        const taskId = p.taskKey ? `${p.code}/${p.taskKey}` : '';
        const args = await spec.args(input as never, actor, { caseCode: p.code, taskId, scope });
        const auditEntry = { action: `${spec.level}.${spec.path.replace(/\//g, '-')}`, caseCode: p.code, target: taskId || null };
        try {
          const result = await withJourney(p.code, () => journeyHandle(ctx.temporal, p.code).executeUpdate(spec.update, { args: [args] }), 'action');
          await auditAfter(ctx, request, { ...auditEntry, outcome: 'ok' });
          return spec.respond ? spec.respond(result, args) : result;
        } catch (error) {
          // Undo only on a definite no: after a timeout the journey may have taken the update.
          if (error instanceof Problem && error.status < 500) {
            await spec.refused?.(args).catch(() => undefined);
            await auditAfter(ctx, request, { ...auditEntry, outcome: 'refused', detail: { status: error.status, ...('rejection' in error ? { rejection: error.rejection } : {}) } });
          }
          throw error;
        }
      },
    );
  }

  action({
    level: 'task',
    path: 'acknowledge',
    operationId: 'acknowledgeTask',
    summary: 'Acknowledge a task: you have seen it and will act (stops its reminders)',
    permission: 'task.acknowledge',
    body: Bodies.acknowledge,
    response: TaskView,
    update: acknowledgeTaskUpdate,
    args: async (_i, actor, t) => ({ taskId: t.taskId, ...actor }),
  });

  action({
    level: 'task',
    path: 'complete',
    operationId: 'completeTask',
    summary: 'Complete a task, with its outcome when it has outcomes',
    permission: 'task.complete',
    body: Bodies.complete,
    response: TaskView,
    update: completeTaskUpdate,
    args: async ({ body }, actor, t) => ({ taskId: t.taskId, ...actor, ...(body.outcome ? { outcome: body.outcome } : {}), ...(body.plan ? { plan: body.plan } : {}) }),
  });

  action({
    level: 'task',
    path: 'notes',
    operationId: 'addNote',
    summary: 'Add a note to a task (text stored encrypted; the journey records the note id)',
    permission: 'task.note',
    body: Bodies.note,
    response: NoteCreated,
    update: addNoteUpdate,
    args: async ({ body }, actor, t) => {
      const noteId = await ctx.personalData.addNote({ caseCode: t.caseCode, taskId: t.taskId, staffId: actor.staffId, agencyId: actor.agencyId, text: body.text });
      return { taskId: t.taskId, ...actor, noteId };
    },
    refused: async (args) => ctx.personalData.removeNote(args.noteId),
    respond: (task, args) => ({ noteId: args.noteId, task }),
  });

  action({
    level: 'task',
    path: 'extend',
    operationId: 'extendDeadline',
    summary: "Ask for more time: moves the task's completion deadline (capped by the policy)",
    permission: 'task.extend',
    body: Bodies.extend,
    response: TaskView,
    update: extendDeadlineUpdate,
    args: async ({ body }, actor, t) => ({ taskId: t.taskId, ...actor, extendBy: body.extendBy, reason: body.reason }),
  });

  action({
    level: 'task',
    path: 'reassign',
    operationId: 'reassignTask',
    summary: 'Hand a task to a colleague (or, for the lead agency, refer it to another agency)',
    permission: 'task.reassign',
    body: Bodies.reassign,
    response: TaskView,
    update: reassignTaskUpdate,
    args: async ({ body }, actor, t) => {
      const staff = await prisma.staffMember.findUnique({ where: { id: body.toStaffId }, include: { agency: true } });
      if (!staff?.active) throw new Problem(400, 'invalid-request', `toStaffId: no active staff member "${body.toStaffId}"`, [{ path: 'toStaffId', message: 'unknown or inactive staff member' }]);
      const toAgencyId = body.toAgencyId ?? staff.agencyId;
      if (toAgencyId !== staff.agencyId) {
        throw new Problem(400, 'invalid-request', `toAgencyId: ${body.toStaffId} works for ${staff.agencyId}`, [{ path: 'toAgencyId', message: "must be the new staff member's agency" }]);
      }
      if (!t.scope.provinces.includes(staff.agency.province)) {
        throw new Problem(400, 'invalid-request', `toStaffId: ${body.toStaffId} works in ${staff.agency.province}, outside this case`, [{ path: 'toStaffId', message: "must work in the case's province" }]);
      }
      return { taskId: t.taskId, ...actor, toStaffId: staff.id, toAgencyId };
    },
  });

  action({
    level: 'task',
    path: 'decline',
    operationId: 'declineReferral',
    summary: "Decline a referral to your agency: it goes back to the lead agency's coordinator",
    permission: 'task.decline',
    body: Bodies.decline,
    response: TaskView,
    update: declineReferralUpdate,
    args: async ({ body }, actor, t) => ({ taskId: t.taskId, ...actor, reason: body.reason }),
  });

  action({
    level: 'case',
    path: 'close',
    operationId: 'closeCase',
    summary: 'Close the case with a reason',
    permission: 'case.close',
    body: Bodies.close,
    response: ClosedView,
    update: closeCaseUpdate,
    args: async ({ body }, actor) => ({ ...actor, reason: body.reason }),
  });

  action({
    level: 'case',
    path: 'transfer',
    operationId: 'transferCase',
    summary: "Transfer the case to another province: its health department must accept (answers with the acceptance task)",
    permission: 'case.transfer',
    body: Bodies.transfer,
    response: TaskView,
    update: transferCaseUpdate,
    args: async ({ body }, actor) => ({ ...actor, toProvince: body.toProvince, reason: body.reason }),
  });

  action({
    level: 'case',
    path: 'consent',
    operationId: 'recordConsent',
    summary: "Record the person's consent (needed before referrals to IOM or NGOs)",
    permission: 'case.consent',
    response: ConsentView,
    update: recordConsentUpdate,
    args: async (_i, actor) => ({ ...actor }),
  });

  action({
    level: 'case',
    path: 'consent/withdraw',
    operationId: 'withdrawConsent',
    summary: 'Record that the person withdrew consent: the case closes',
    permission: 'case.consent',
    response: ConsentView,
    update: withdrawConsentUpdate,
    args: async (_i, actor) => ({ ...actor }),
  });

  action({
    level: 'case',
    path: 'policy-upgrade',
    operationId: 'upgradePolicy',
    summary: "Move the journey to the service's current policy version (deadlines already set stay)",
    permission: 'case.policy',
    response: PolicyRef,
    update: changePolicyUpdate,
    args: async (_i, actor) => ({ ...actor, policy: ctx.policy }),
  });

  routes.add(
    {
      method: 'GET',
      url: '/tasks/mine',
      operationId: 'myTasks',
      tag: 'Tasks',
      summary: 'My open tasks: assigned to me, or unassigned in my agency; most urgent first',
      access: 'task.list-mine',
      query: z.strictObject({ overdue: q.bool.optional() }),
      responses: { 200: { description: 'Open tasks', schema: MyTasks } },
    },
    async ({ query, principal }) => {
      if (!principal.staffId) throw new Problem(403, 'forbidden', 'this credential acts as no staff member, so it has no tasks');
      const now = ctx.now();
      const rows = await prisma.task.findMany({
        where: {
          status: { in: ACTIVE_TASK_STATUSES },
          case: { status: 'active' },
          OR: [{ assigneeId: principal.staffId }, { agencyId: principal.agencyId ?? '', assigneeId: null }],
        },
        orderBy: [{ completeDueAt: 'asc' }, { id: 'asc' }],
        take: 500,
      });
      const items = rows
        .map((t) => ({
          taskId: t.id,
          caseCode: t.caseCode,
          taskKey: t.key,
          stage: t.stage,
          title: titleOf(ctx, t.key),
          agencyId: t.agencyId,
          assigneeId: t.assigneeId,
          status: t.status,
          acknowledgeDueAt: t.acknowledgeDueAt.toISOString(),
          completeDueAt: t.completeDueAt.toISOString(),
          escalationLevel: t.escalationLevel,
          overdue: isOverdue(t, now),
        }))
        .filter((t) => query.overdue === undefined || t.overdue === query.overdue);
      return { items };
    },
  );
}

const titleOf = (ctx: ApiContext, taskKey: string) => taskPolicyOf(ctx.policy, taskKey)?.title ?? null;
