/** Task actions, case actions (each a workflow update, see journey-actions.ts) and the caller's own tasks. */
import { z } from 'zod';
import { coveredBy } from '../../db/staff-cover';
import { ACTIVE_TASK_STATUSES, isOverdue } from '../../db/task-rules';
import { AgencyKind } from '../../domain/agencies';
import { ClosureReason } from '../../domain/case';
import { ProvinceCode } from '../../domain/provinces';
import { Duration } from '../../policy/duration-schema';
import { taskPolicyOf } from '../../policy/tasks';
import { storePolicy } from '../../db/policy-bodies';
import {
  acceptReferralUpdate,
  acknowledgeTaskUpdate,
  ConsentGiver,
  recordConsentPartUpdate,
  revokeReferralUpdate,
  setFollowUpLengthUpdate,
  withdrawConsentPartUpdate,
  addNoteUpdate,
  changePolicyUpdate,
  closeCaseUpdate,
  completeTaskUpdate,
  DeclineReason,
  declineReferralUpdate,
  ExtensionReason,
  extendDeadlineUpdate,
  NoServicesReason,
  reassignTaskUpdate,
  recordConsentUpdate,
  transferCaseUpdate,
  TransferReason,
  withdrawConsentUpdate,
} from '../../journey/definitions';
import type { ApiContext, CaseScope } from '../context';
import { addAction, type ActionSpec } from '../journey-actions';
import { Problem } from '../problems';
import { q } from '../routing';
import { ClosedView, ConsentView, FollowUpLengthView, MyTasks, NoteCreated, PolicyRef, TaskKey, TaskView } from '../schemas';

const StaffId = z.string().min(1).max(64);
const LegacyStaff = { staffId: StaffId.optional().describe('Optional; if given, must be the staff member of the credential') };

const Bodies = {
  acknowledge: z.strictObject({ ...LegacyStaff }),
  complete: z.strictObject({
    ...LegacyStaff,
    outcome: z.string().min(1).max(64).optional().describe('Required by tasks with outcomes (e.g. "victim" / "not_victim")'),
    plan: z.array(TaskKey).max(30).optional().describe('For the planning task: the services (task keys) the support plan chooses (at least one)'),
    noServicesReason: NoServicesReason.optional().describe('For the planning task, instead of a plan: why the person needs no service'),
  }),
  note: z.strictObject({ text: z.string().trim().min(1).max(4000).describe('Stored encrypted; the journey keeps only the note id') }),
  extend: z.strictObject({ extendBy: Duration.describe('e.g. "2d"'), reason: ExtensionReason }),
  reassign: z.strictObject({ toStaffId: StaffId, toAgencyId: z.string().min(1).max(64).optional().describe("Default: the new staff member's agency") }),
  decline: z.strictObject({ reason: DeclineReason }),
  consent: z.strictObject({ givenBy: ConsentGiver.optional().describe("Who gave it (default: the person); for a child's case, guardian or legal_representative") }),
  consentPart: z.strictObject({
    part: z.enum(['sharing', 'service']).describe('sharing: with organisations outside the state system (IOM, NGOs); service: receiving one service'),
    service: TaskKey.optional().describe('For part "service": the service\'s task key, e.g. "legal-aid"'),
  }),
  followUpLength: z.strictObject({
    times: z.number().int().min(1).max(60).describe("Rounds of follow-up for this case, within the policy's bounds (default policy: 6–12 monthly check-ins)"),
    stage: z.string().regex(/^[a-z][a-z0-9-]{0,63}$/).optional().describe("The recurring stage (default: the policy's first, follow-up)"),
  }),
  close: z.strictObject({ reason: ClosureReason }),
  transfer: z.strictObject({ toProvince: ProvinceCode, reason: TransferReason }),
};

/** Infers a spec's types, as addAction would. */
const actionSpec = <B extends z.ZodType, R, A>(spec: ActionSpec<B, R, A>) => spec;

/** The actions a task page offers (routes/task-links.ts, inbox.ts): the same specs as the API's routes. */
export const pageActions = () => ({ acknowledge: acknowledgeAction, complete: completeAction, extend: extendAction, decline: declineAction, accept: acceptAction });

export function taskRoutes(ctx: ApiContext) {
  acknowledgeTask(ctx);
  completeTask(ctx);
  addNote(ctx);
  extendDeadline(ctx);
  reassignTask(ctx);
  declineReferral(ctx);
  acceptReferral(ctx);
  revokeReferral(ctx);
  closeCase(ctx);
  transferCase(ctx);
  recordConsent(ctx);
  withdrawConsent(ctx);
  recordConsentPart(ctx);
  withdrawConsentPart(ctx);
  setFollowUpLength(ctx);
  upgradePolicy(ctx);
  myTasks(ctx);
}

const acknowledgeAction = actionSpec({
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

function acknowledgeTask(ctx: ApiContext) {
  addAction(ctx, acknowledgeAction);
}

const completeAction = actionSpec({
  level: 'task',
  path: 'complete',
  operationId: 'completeTask',
  summary: 'Complete a task, with its outcome when it has outcomes',
  permission: 'task.complete',
  body: Bodies.complete,
  response: TaskView,
  update: completeTaskUpdate,
  args: async ({ body }, actor, t) => ({
    taskId: t.taskId,
    ...actor,
    ...(body.outcome ? { outcome: body.outcome } : {}),
    ...(body.plan ? { plan: body.plan } : {}),
    ...(body.noServicesReason ? { noServicesReason: body.noServicesReason } : {}),
  }),
});

function completeTask(ctx: ApiContext) {
  addAction(ctx, completeAction);
}

function addNote(ctx: ApiContext) {
  addAction(ctx, {
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
}

const extendAction = actionSpec({
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

function extendDeadline(ctx: ApiContext) {
  addAction(ctx, extendAction);
}

function reassignTask(ctx: ApiContext) {
  addAction(ctx, {
    level: 'task',
    path: 'reassign',
    operationId: 'reassignTask',
    summary: 'Hand a task to a colleague (or, for the lead agency, refer it to another agency)',
    permission: 'task.reassign',
    body: Bodies.reassign,
    response: TaskView,
    update: reassignTaskUpdate,
    args: async ({ body }, actor, t) => ({ taskId: t.taskId, ...actor, ...(await reassignee(ctx, body, t.scope)) }),
  });
}

/**
 * The new assignee: an active staff member of the named agency (default: theirs), working where the
 * case is. The agency's kind goes with it: the journey refuses kinds the task may not reach.
 */
async function reassignee(ctx: ApiContext, body: z.output<typeof Bodies.reassign>, scope: CaseScope) {
  const staff = await ctx.db.prisma.staffMember.findUnique({ where: { id: body.toStaffId }, include: { agency: true } });
  if (!staff?.active) throw new Problem(400, 'invalid-request', `toStaffId: no active staff member "${body.toStaffId}"`, [{ path: 'toStaffId', message: 'unknown or inactive staff member' }]);
  const toAgencyId = body.toAgencyId ?? staff.agencyId;
  if (toAgencyId !== staff.agencyId) {
    throw new Problem(400, 'invalid-request', `toAgencyId: ${body.toStaffId} works for ${staff.agencyId}`, [{ path: 'toAgencyId', message: "must be the new staff member's agency" }]);
  }
  if (!scope.provinces.includes(staff.agency.province)) {
    throw new Problem(400, 'invalid-request', `toStaffId: ${body.toStaffId} works in ${staff.agency.province}, outside this case`, [{ path: 'toStaffId', message: "must work in the case's province" }]);
  }
  return { toStaffId: staff.id, toAgencyId, toAgencyKind: AgencyKind.parse(staff.agency.kind) };
}

const declineAction = actionSpec({
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

function declineReferral(ctx: ApiContext) {
  addAction(ctx, declineAction);
}

const acceptAction = actionSpec({
  level: 'task',
  path: 'accept',
  operationId: 'acceptReferral',
  summary: 'Accept a referral to your agency: you take the task on (also acknowledges it); it can then no longer be declined',
  permission: 'task.accept',
  response: TaskView,
  update: acceptReferralUpdate,
  args: async (_i, actor, t) => ({ taskId: t.taskId, ...actor }),
});

function acceptReferral(ctx: ApiContext) {
  addAction(ctx, acceptAction);
}

function revokeReferral(ctx: ApiContext) {
  addAction(ctx, {
    level: 'task',
    path: 'revoke',
    operationId: 'revokeReferral',
    summary: 'Revoke a referral the lead agency made: the task returns to the agency (and person) that held it before',
    description: 'Only the lead agency; only a task it referred to another agency by reassigning it (422 otherwise).',
    permission: 'task.reassign',
    response: TaskView,
    update: revokeReferralUpdate,
    args: async (_i, actor, t) => ({ taskId: t.taskId, ...actor }),
  });
}

function closeCase(ctx: ApiContext) {
  addAction(ctx, {
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
}

function transferCase(ctx: ApiContext) {
  addAction(ctx, {
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
}

function recordConsent(ctx: ApiContext) {
  addAction(ctx, {
    level: 'case',
    path: 'consent',
    operationId: 'recordConsent',
    summary: "Record the person's consent as a whole (needed before referrals to IOM or NGOs, unless consent to share is recorded on its own)",
    description: "For a child's case, `givenBy` must be `guardian` or `legal_representative` (422 otherwise).",
    permission: 'case.consent',
    body: Bodies.consent,
    response: ConsentView,
    update: recordConsentUpdate,
    args: async ({ body }, actor) => ({ ...actor, ...(body.givenBy ? { givenBy: body.givenBy } : {}) }),
  });
}

function withdrawConsent(ctx: ApiContext) {
  addAction(ctx, {
    level: 'case',
    path: 'consent/withdraw',
    operationId: 'withdrawConsent',
    summary: 'Record that the person withdrew consent as a whole: the case closes (one part only: consent/parts/withdraw)',
    permission: 'case.consent',
    response: ConsentView,
    update: withdrawConsentUpdate,
    args: async (_i, actor) => ({ ...actor }),
  });
}

function recordConsentPart(ctx: ApiContext) {
  addAction(ctx, {
    level: 'case',
    path: 'consent/parts',
    operationId: 'recordConsentPart',
    summary: 'Record one part of consent: to share with other organisations, or to receive one service',
    description: "Recorded with who recorded it and who gave it; for a child's case `givenBy` must be `guardian` or `legal_representative`.",
    permission: 'case.consent',
    body: Bodies.consentPart.extend(Bodies.consent.shape),
    response: ConsentView,
    update: recordConsentPartUpdate,
    args: async ({ body }, actor) => ({ ...actor, ...body }),
  });
}

function withdrawConsentPart(ctx: ApiContext) {
  addAction(ctx, {
    level: 'case',
    path: 'consent/parts/withdraw',
    operationId: 'withdrawConsentPart',
    summary: 'Record that the person withdrew one part of consent: what it covers stops, the case goes on',
    description:
      'Sharing: open tasks with organisations outside the state system are cancelled and no task is referred there. ' +
      "A service: that service's task is cancelled and does not open again. Withdrawing consent as a whole (`/consent/withdraw`) closes the case.",
    permission: 'case.consent',
    body: Bodies.consentPart,
    response: ConsentView,
    update: withdrawConsentPartUpdate,
    args: async ({ body }, actor) => ({ ...actor, ...body }),
  });
}

function setFollowUpLength(ctx: ApiContext) {
  addAction(ctx, {
    level: 'case',
    path: 'follow-up-length',
    operationId: 'setFollowUpLength',
    summary: "Set how many rounds of follow-up this case has, within the policy's bounds",
    description: 'Outside the bounds, below the rounds already started, or after follow-up ended: 422.',
    permission: 'case.follow-up',
    body: Bodies.followUpLength,
    response: FollowUpLengthView,
    update: setFollowUpLengthUpdate,
    args: async ({ body }, actor) => ({ ...actor, ...body }),
  });
}

function upgradePolicy(ctx: ApiContext) {
  addAction(ctx, {
    level: 'case',
    path: 'policy-upgrade',
    operationId: 'upgradePolicy',
    summary: "Move the journey to the service's current policy version (deadlines already set stay)",
    permission: 'case.policy',
    response: PolicyRef,
    update: changePolicyUpdate,
    // Stored too, so the journey's later runs (continue-as-new) carry its reference, not its body.
    args: async (_i, actor) => ({ ...actor, policy: ctx.policy, policyRef: (await storePolicy(ctx.db.prisma, ctx.policy)).ref }),
  });
}

function myTasks(ctx: ApiContext) {
  ctx.routes.add(
    {
      method: 'GET',
      url: '/tasks/mine',
      operationId: 'myTasks',
      tag: 'Tasks',
      summary: 'My open tasks: assigned to me or to an absent colleague I cover for, or unassigned in my agency; most urgent first',
      access: 'task.list-mine',
      query: z.strictObject({ overdue: q.bool.optional() }),
      responses: { 200: { description: 'Open tasks', schema: MyTasks } },
    },
    async ({ query, principal }) => {
      if (!principal.staffId) throw new Problem(403, 'forbidden', 'this credential acts as no staff member, so it has no tasks');
      const now = ctx.now();
      // With the tasks of absent colleagues this person covers for.
      const mineOf = [principal.staffId, ...(principal.agencyId ? await coveredBy(ctx.db.prisma, principal.staffId, principal.agencyId, now) : [])];
      const rows = await ctx.db.prisma.task.findMany({
        where: {
          status: { in: ACTIVE_TASK_STATUSES },
          case: { status: 'active' },
          OR: [{ assigneeId: { in: mineOf } }, { agencyId: principal.agencyId ?? '', assigneeId: null }],
        },
        orderBy: [{ completeDueAt: 'asc' }, { id: 'asc' }],
        take: 500,
      });
      const items = rows.map((t) => myTask(ctx, t, now)).filter((t) => query.overdue === undefined || t.overdue === query.overdue);
      return { items };
    },
  );
}

type TaskRow = Awaited<ReturnType<ApiContext['db']['prisma']['task']['findFirstOrThrow']>>;

function myTask(ctx: ApiContext, t: TaskRow, now: Date): z.infer<typeof MyTasks>['items'][number] {
  return {
    taskId: t.id,
    caseCode: t.caseCode,
    // The key the action paths take: a later round's ("needs-assessment.2"), not the policy's, which names the first.
    taskKey: t.id.slice(t.caseCode.length + 1),
    stage: t.stage,
    title: taskPolicyOf(ctx.policy, t.key)?.title ?? null,
    agencyId: t.agencyId,
    assigneeId: t.assigneeId,
    status: t.status,
    acknowledgeDueAt: t.acknowledgeDueAt.toISOString(),
    completeDueAt: t.completeDueAt.toISOString(),
    escalationLevel: t.escalationLevel,
    overdue: isOverdue(t, now),
  };
}
