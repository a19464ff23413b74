/**
 * One-click action links (src/auth/action-links.ts). GET shows what the link will do and one
 * button; the button POSTs and the action happens, once, as the staff member the link was sent
 * to. The pages themselves are in link-pages.ts.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { LinkAction, type ActionLinkClaims } from '../../auth/action-links';
import { decide, type Permission } from '../../auth/matrix';
import type { Principal } from '../../auth/principal';
import { taskPolicyOf } from '../../policy/tasks';
import { acknowledgeTaskUpdate, completeTaskUpdate, type TaskState } from '../../journey/definitions';
import { journeyHandle } from '../../client/journeys';
import { audit, auditAfter, resolveCase, temporalProblem, type ApiContext } from '../context';
import { ACTION_TEXT, confirmPage, donePage, linkProblem, taskLinkPage, wantsJson } from '../link-pages';
import { TaskView } from '../schemas';
import { staffPrincipal } from '../staff-principal';
import { inboxRoutes } from './inbox';
import { taskLinkRoutes } from './task-links';

const TokenParams = z.strictObject({ token: z.string().min(1).max(1024) });
const TaskLinkParams = z.strictObject({
  taskId: z.string().regex(/^[A-Z0-9][A-Z0-9-]{2,39}\/[a-z][a-z0-9-]{0,63}(\.\d{1,3})?$/, 'a task id such as "DN-2026-0001/reception"'),
});
const LinkForm = z.strictObject({ outcome: z.string().min(1).max(64).optional() });
const LinkPreview = z.object({
  action: LinkAction,
  caseCode: z.string(),
  taskId: z.string(),
  title: z.object({ vi: z.string(), en: z.string() }).nullable(),
  outcome: z.string().nullable(),
  outcomes: z.array(z.string()),
  expiresAt: z.string(),
});

type Staff = NonNullable<Awaited<ReturnType<typeof activeStaff>>>;

export function actionLinkRoutes(ctx: ApiContext, app: FastifyInstance) {
  // HTML forms post as application/x-www-form-urlencoded: accepted here only.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
  // These routes register on the links' own scope, where that parser applies.
  const linkCtx = { ...ctx, routes: ctx.routes.on(app) };
  showTaskLink(linkCtx);
  showActionLink(linkCtx);
  useActionLink(linkCtx);
  taskLinkRoutes(linkCtx);
  inboxRoutes(linkCtx);
}

/**
 * The link every notification carries. It shows only what its own URL says (no lookup, so it
 * reveals nothing about whether the case exists) and how to act: the one-click link or the API.
 */
function showTaskLink(ctx: ApiContext) {
  ctx.routes.add(
    {
      method: 'GET',
      url: '/tasks/:taskId',
      operationId: 'showTaskLink',
      tag: 'Action links',
      summary: 'The page a notification links to: how to act on the task (reads nothing from the database)',
      access: 'action-link',
      params: TaskLinkParams,
      responses: { 200: { description: 'An HTML page in Vietnamese and English' } },
    },
    async ({ reply, params }) => {
      // The round's key ("needs-assessment.2") is what the API acts on; the policy knows the task without it.
      const { caseCode, key: keyOfRound } = splitTaskId(params.taskId);
      return taskLinkPage(reply, caseCode, keyOfRound, taskTitle(ctx, keyOfRound));
    },
  );
}

function showActionLink(ctx: ApiContext) {
  ctx.routes.add(
    {
      method: 'GET',
      url: '/actions/:token',
      operationId: 'showActionLink',
      tag: 'Action links',
      summary: 'What a one-click link will do, with its confirmation button (changes nothing)',
      description: 'Signed, expiring, single-use links sent in notifications. Opening one changes nothing (mail scanners open links too); the button POSTs.',
      access: 'action-link',
      params: TokenParams,
      responses: {
        200: { description: 'Confirmation page (or, for Accept: application/json, what the link will do)', schema: LinkPreview },
        400: { description: 'Not a valid link' },
        410: { description: 'Expired or already used' },
      },
    },
    async ({ request, reply, params }) => {
      const claims = await usableClaims(ctx, params.token);
      const { caseCode, key } = splitTaskId(claims.task);
      const title = taskTitle(ctx, key);
      const outcomes = claims.act === 'complete' && !claims.out ? outcomesOf(ctx, key) : [];
      if (wantsJson(request)) {
        return { action: claims.act, caseCode, taskId: claims.task, title, outcome: claims.out ?? null, outcomes, expiresAt: new Date(claims.exp * 1000).toISOString() };
      }
      return confirmPage(reply, claims, caseCode, title, outcomes);
    },
  );
}

function useActionLink(ctx: ApiContext) {
  ctx.routes.add(
    {
      method: 'POST',
      url: '/actions/:token',
      operationId: 'useActionLink',
      tag: 'Action links',
      summary: 'Do what a one-click link says (once)',
      access: 'action-link',
      params: TokenParams,
      body: LinkForm,
      responses: {
        200: { description: 'Done: an HTML page, or the task as JSON', schema: z.object({ message: z.object({ vi: z.string(), en: z.string() }), task: TaskView }) },
        400: { description: 'Not a valid link' },
        403: { description: 'The staff member is no longer active in the agency' },
        410: { description: 'Expired or already used' },
      },
    },
    async ({ request, reply, params, body }) => {
      const claims = await usableClaims(ctx, params.token);
      const staff = await activeStaff(ctx, claims);
      if (!staff) throw linkProblem(403, 'forbidden');
      request.principal = linkPrincipal(claims, staff);
      await authorizeLink(ctx, request, claims);
      const { caseCode } = splitTaskId(claims.task);
      await claimLink(ctx, claims, staff.id);
      const task = await actOnLink(ctx, request, claims, staff, claims.out ?? body.outcome);
      const message = ACTION_TEXT[claims.act].done;
      if (wantsJson(request)) return { message, task };
      return donePage(reply, message, caseCode);
    },
  );
}

async function usableClaims(ctx: ApiContext, token: string): Promise<ActionLinkClaims> {
  const check = ctx.security.actionLinks.verify(token);
  if (!check.ok) throw check.reason === 'expired' ? linkProblem(410, 'link-expired') : linkProblem(400, 'invalid-link');
  const used = await ctx.db.prisma.actionLinkUse.findUnique({ where: { tokenId: check.claims.id } });
  if (used) throw linkProblem(410, 'link-used');
  return check.claims;
}

/** The staff member the link was sent to, if still active in the link's agency. */
async function activeStaff(ctx: ApiContext, claims: ActionLinkClaims) {
  const staff = await ctx.db.prisma.staffMember.findUnique({ where: { id: claims.staff }, include: { agency: true } });
  return staff?.active && staff.agencyId === claims.agency ? staff : null;
}

/** A link acts with the rights its person would have in the API. */
const linkPrincipal = (claims: ActionLinkClaims, staff: Staff): Principal => staffPrincipal('action-link', claims.id, staff);

/** The same matrix as the API: the link's person must be allowed this action on this case. */
async function authorizeLink(ctx: ApiContext, request: FastifyRequest, claims: ActionLinkClaims) {
  const { caseCode } = splitTaskId(claims.task);
  const permission: Permission = claims.act === 'acknowledge' ? 'task.acknowledge' : 'task.complete';
  const scope = await resolveCase(ctx, caseCode);
  if (scope && decide(request.principal!, permission, scope) === 'allow') return;
  await audit(ctx, request, { action: 'access.denied', outcome: 'denied', caseCode: scope ? caseCode : null, target: claims.task, detail: { permission } });
  throw linkProblem(403, 'forbidden');
}

/** Claims the link before acting: of two simultaneous clicks, one acts and the other is told it was used. */
async function claimLink(ctx: ApiContext, claims: ActionLinkClaims, staffId: string) {
  try {
    await ctx.db.prisma.actionLinkUse.create({ data: { tokenId: claims.id, taskId: claims.task, staffId, action: claims.act } });
  } catch (error) {
    if ((error as { code?: string }).code === 'P2002') throw linkProblem(410, 'link-used');
    throw error;
  }
}

async function actOnLink(ctx: ApiContext, request: FastifyRequest, claims: ActionLinkClaims, staff: Staff, outcome: string | undefined): Promise<TaskState> {
  const { caseCode } = splitTaskId(claims.task);
  const entry = { action: `action-link.${claims.act}`, caseCode, target: claims.task };
  let task: TaskState;
  try {
    const handle = journeyHandle(ctx.temporal, caseCode);
    const actor = { taskId: claims.task, staffId: staff.id, agencyId: staff.agencyId };
    task =
      claims.act === 'acknowledge'
        ? await handle.executeUpdate(acknowledgeTaskUpdate, { args: [actor] })
        : await handle.executeUpdate(completeTaskUpdate, { args: [{ ...actor, ...(outcome ? { outcome } : {}) }] });
  } catch (error) {
    // Nothing happened: the link stays usable (for a retry after an outage, say).
    await ctx.db.prisma.actionLinkUse.deleteMany({ where: { tokenId: claims.id } });
    const problem = temporalProblem(error, caseCode, 'action');
    if (problem && problem.status < 500) await auditAfter(ctx, request, { ...entry, outcome: 'refused', detail: { status: problem.status } });
    throw problem ?? error;
  }
  await auditAfter(ctx, request, { ...entry, outcome: 'ok' });
  return task;
}

function splitTaskId(taskId: string): { caseCode: string; key: string } {
  const slash = taskId.indexOf('/');
  return { caseCode: taskId.slice(0, slash), key: taskId.slice(slash + 1) };
}

const taskTitle = (ctx: ApiContext, key: string) => taskPolicyOf(ctx.policy, key)?.title ?? null;
const outcomesOf = (ctx: ApiContext, key: string) => Object.keys(taskPolicyOf(ctx.policy, key)?.outcomes ?? {});
