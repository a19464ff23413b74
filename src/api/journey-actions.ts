/**
 * Task and case actions as routes: each is a POST forwarded to the case's journey as a workflow
 * update that answers with its result or a typed refusal (mapped to 4xx in context.ts). The acting
 * staff member is the caller's (API key or token), never a field the caller may choose.
 */
import type { UpdateDefinition } from '@temporalio/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { AuditEntry } from '../audit/audit-log';
import type { Permission } from '../auth/matrix';
import { journeyHandle } from '../client/journeys';
import { actorOf, auditAfter, authorizeCase, withJourney, type ApiContext, type CaseScope } from './context';
import { Problem } from './problems';
import type { Input, RouteSpec } from './routing';
import { CaseParams, TaskParams } from './schemas';

type ActionParams = { code: string; taskKey?: string };
export type Actor = { staffId: string; agencyId: string };
export type ActionTarget = { caseCode: string; taskId: string; scope: CaseScope };

export interface ActionSpec<B extends z.ZodType, R, A> {
  level: 'task' | 'case';
  /** After `/cases/:code/tasks/:taskKey/` (task) or `/cases/:code/` (case); also names the audit action. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  permission: Permission;
  body?: B;
  response: z.ZodType;
  update: UpdateDefinition<R, [A]>;
  /** The update's argument, from the caller's input (may store things first). */
  args(input: Input<ActionParams, never, z.output<B>>, actor: Actor, target: ActionTarget): Promise<A>;
  /** Undo what `args` stored when the journey refused the update. */
  refused?(args: A): Promise<void>;
  respond?(result: R, args: A): unknown;
}

export function addAction<B extends z.ZodType, R, A>(ctx: ApiContext, spec: ActionSpec<B, R, A>) {
  ctx.routes.add(actionRoute(spec), (input) => runAction(ctx, spec, input as Input<ActionParams, never, z.output<B>>));
}

function actionRoute<B extends z.ZodType>(spec: ActionSpec<B, unknown, unknown>): RouteSpec<z.ZodType, z.ZodNever, B> {
  const isTask = spec.level === 'task';
  return {
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
  };
}

/**
 * The same action for a caller of a task page (src/api/routes/task-links.ts, inbox.ts): their
 * principal is on the request already; the body is what their form said, checked by the spec.
 */
export function runTaskAction<B extends z.ZodType, R, A>(
  ctx: ApiContext,
  spec: ActionSpec<B, R, A>,
  page: { request: FastifyRequest; reply: FastifyReply },
  task: { caseCode: string; taskKey: string },
  body: z.output<B>,
) {
  const input = { ...page, params: { code: task.caseCode, taskKey: task.taskKey }, query: undefined as never, body, principal: page.request.principal! };
  return runAction(ctx, spec, input);
}

async function runAction<B extends z.ZodType, R, A>(ctx: ApiContext, spec: ActionSpec<B, R, A>, input: Input<ActionParams, never, z.output<B>>) {
  const { request, params, principal } = input;
  const scope = await authorizeCase(ctx, request, spec.permission, params.code);
  const actor = actorOf(principal, (input.body as { staffId?: string } | undefined)?.staffId);
  const taskId = params.taskKey ? `${params.code}/${params.taskKey}` : '';
  const args = await spec.args(input, actor, { caseCode: params.code, taskId, scope });
  const entry = { action: `${spec.level}.${spec.path.replace(/\//g, '-')}`, caseCode: params.code, target: taskId || null };
  try {
    const result = await withJourney(params.code, () => journeyHandle(ctx.temporal, params.code).executeUpdate(spec.update, { args: [args] }), 'action');
    await auditAfter(ctx, request, { ...entry, outcome: 'ok' });
    return spec.respond ? spec.respond(result, args) : result;
  } catch (error) {
    // Undo only on a definite no: after a timeout the journey may have taken the update.
    if (error instanceof Problem && error.status < 500) {
      await spec.refused?.(args).catch(() => undefined);
      await auditAfter(ctx, request, refusalEntry(entry, error));
    }
    throw error;
  }
}

function refusalEntry(entry: Omit<AuditEntry, 'outcome'>, problem: Problem): AuditEntry {
  return { ...entry, outcome: 'refused', detail: { status: problem.status, ...('rejection' in problem ? { rejection: problem.rejection } : {}) } };
}
