/**
 * Case routes: start a journey (idempotent), list and read cases, and the person's encrypted
 * details and notes. Personal data arrives here and goes only to the database, encrypted; the
 * journey is started with the pseudonymous case facts alone.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { isGrpcServiceError, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { z } from 'zod';
import { ACTIVE_TASK_STATUSES, isOverdue, overdueTaskWhere } from '../db/task-rules';
import { decide, provincesOf } from '../auth/matrix';
import { CaseCode } from '../domain/case';
import { ProvinceCode } from '../domain/provinces';
import { PersonalData } from '../personal-data/schema';
import { OpenCase, journeyWorkflowId } from '../journey/definitions';
import { caseFromRecords } from './case-records';
import { audit, auditAfter, authorizeCase, temporalProblem, withJourney, type ApiContext } from './context';
import { journeyHandle, queryJourney, startJourney, START_TOKEN } from '../client/journeys';
import { Problem } from './problems';
import { q } from './routing';
import { CaseList, CaseStarted, CaseView, Notes } from './schemas';

export const CaseParams = z.strictObject({ code: CaseCode });

const StartCase = z.strictObject({
  ...OpenCase.shape,
  personalData: PersonalData.optional().describe('The person’s details: encrypted at rest, never sent to the workflow engine'),
});
type StartCase = z.infer<typeof StartCase>;

const IdempotencyKey = z.string().regex(/^[A-Za-z0-9_.:-]{8,128}$/, '8–128 letters, digits or "_", ".", ":", "-"');

const ListQuery = z.strictObject({
  province: ProvinceCode.optional(),
  stage: z.string().regex(/^[a-z][a-z0-9-]{0,63}$/, 'a stage key such as "reception"').optional(),
  agency: z.string().min(1).max(64).optional().describe('Cases this agency leads or holds a task of'),
  status: z.enum(['active', 'closed']).optional(),
  overdue: q.bool.optional().describe('true: cases with at least one task past a deadline'),
  limit: q.int(1, 200).optional(),
  cursor: CaseCode.optional().describe('nextCursor of the previous page'),
});

type CaseFilter = NonNullable<NonNullable<Parameters<ApiContext['db']['prisma']['case']['findMany']>[0]>['where']>;

export function caseRoutes(ctx: ApiContext) {
  const { routes, db } = ctx;
  const { prisma } = db;

  routes.add(
    {
      method: 'POST',
      url: '/cases',
      operationId: 'startCase',
      tag: 'Cases',
      summary: 'Open a case and start its journey',
      description:
        'Idempotent: a repeated request with the same `Idempotency-Key`, or the same case code and body, returns the ' +
        'original result (with `Idempotent-Replayed: true`); the same key or case code with a different body is a 409. ' +
        'Personal data, when given, is stored encrypted and never reaches the workflow engine.',
      access: 'case.start',
      body: StartCase,
      headers: [{ name: 'Idempotency-Key', description: 'Makes retries safe: the same key returns the first result', schema: IdempotencyKey }],
      responses: {
        201: { description: 'The journey started', schema: CaseStarted },
        409: { description: 'The case code or Idempotency-Key was used for a different request' },
      },
    },
    async ({ request, reply, body, principal }) => {
      const header = request.headers['idempotency-key'];
      const idem = header === undefined ? undefined : IdempotencyKey.safeParse(header);
      if (idem && !idem.success) {
        throw new Problem(400, 'invalid-request', 'Idempotency-Key: 8–128 letters, digits or "_", ".", ":", "-"', [
          { path: 'Idempotency-Key', message: idem.error.issues[0]!.message },
        ]);
      }
      const idempotencyKey = idem?.data;
      if (decide(principal, 'case.start', { provinces: [body.province] }) !== 'allow') {
        await audit(ctx, request, { action: 'access.denied', outcome: 'denied', detail: { permission: 'case.start', province: body.province } });
        throw new Problem(403, 'forbidden', `you may open cases in ${principal.province ?? 'no province'} only`);
      }
      const lead = await prisma.agency.findUnique({ where: { id: body.leadAgencyId } });
      if (!lead || lead.province !== body.province || lead.kind !== 'health_dept') {
        throw new Problem(400, 'invalid-request', `leadAgencyId: "${body.leadAgencyId}" is not the health department of ${body.province}`, [
          { path: 'leadAgencyId', message: `must be the provincial health department of ${body.province}` },
        ]);
      }
      const fingerprint = fingerprintOf(ctx, body);
      const result = await startIdempotently(ctx, body, fingerprint, idempotencyKey, principal.id);
      await auditAfter(ctx, request, {
        action: 'case.start',
        outcome: 'ok',
        caseCode: body.caseCode,
        detail: { province: body.province, leadAgencyId: body.leadAgencyId, personalData: body.personalData !== undefined, replayed: result.replayed },
      });
      if (body.personalData && !result.replayed) {
        await auditAfter(ctx, request, { action: 'personal-data.write', outcome: 'ok', caseCode: body.caseCode });
      }
      if (result.replayed) reply.header('idempotent-replayed', 'true');
      request.log.info({ caseCode: body.caseCode, replayed: result.replayed }, 'journey started');
      return reply.code(201).header('location', `/cases/${body.caseCode}`).send(result.body);
    },
  );

  routes.add(
    {
      method: 'GET',
      url: '/cases',
      operationId: 'listCases',
      tag: 'Cases',
      summary: 'List cases in your scope, filtered by province, stage, agency, status or overdue',
      description: 'Coordinators and managers see their province (national managers all); staff the cases their agency takes part in. Newest first.',
      access: 'case.list',
      query: ListQuery,
      responses: { 200: { description: 'A page of cases (pseudonymous)', schema: CaseList } },
    },
    async ({ query, principal }) => {
      const now = ctx.now();
      const allowed = provincesOf(principal, 'case.list');
      const and: CaseFilter[] = [];
      if (principal.role === 'staff') {
        and.push({ OR: [{ leadAgencyId: principal.agencyId! }, { tasks: { some: { agencyId: principal.agencyId! } } }] });
      } else if (allowed !== null) {
        if (query.province && !allowed.includes(query.province)) throw new Problem(403, 'forbidden', `you may list cases of ${allowed.join(', ') || 'no province'} only`);
        and.push({ province: { in: allowed } });
      }
      if (query.province) and.push({ province: query.province });
      if (query.stage) and.push({ stage: query.stage });
      if (query.status) and.push({ status: query.status });
      if (query.agency) and.push({ OR: [{ leadAgencyId: query.agency }, { tasks: { some: { agencyId: query.agency } } }] });
      const overdueTask = overdueTaskWhere(now);
      if (query.overdue === true) and.push({ status: 'active', tasks: { some: overdueTask } });
      if (query.overdue === false) and.push({ tasks: { none: overdueTask } });
      const limit = query.limit ?? 50;
      const rows = await prisma.case.findMany({
        where: { AND: and },
        include: { tasks: { where: { status: { in: ACTIVE_TASK_STATUSES } }, select: { status: true, acknowledgeDueAt: true, completeDueAt: true } } },
        orderBy: [{ openedAt: 'desc' }, { code: 'desc' }],
        take: limit + 1,
        ...(query.cursor ? { cursor: { code: query.cursor }, skip: 1 } : {}),
      });
      const page = rows.slice(0, limit);
      return {
        items: page.map((c) => {
          const due = c.tasks.map((t) => (t.status === 'open' ? t.acknowledgeDueAt : t.completeDueAt));
          const overdue = c.tasks.filter((t) => isOverdue(t, now)).length;
          return {
            caseCode: c.code,
            province: c.province,
            leadAgencyId: c.leadAgencyId,
            stage: c.stage,
            status: c.status,
            openedAt: c.openedAt.toISOString(),
            closedAt: c.closedAt?.toISOString() ?? null,
            closureReason: c.closureReason,
            openTasks: c.tasks.length,
            overdueTasks: c.status === 'active' ? overdue : 0,
            nextDeadline: due.length ? new Date(Math.min(...due.map((d) => d.getTime()))).toISOString() : null,
          };
        }),
        nextCursor: rows.length > limit ? page[page.length - 1]!.code : null,
      };
    },
  );

  routes.add(
    {
      method: 'GET',
      url: '/cases/:code',
      operationId: 'getCase',
      tag: 'Cases',
      summary: "A case's journey: stage, tasks with deadlines, history (pseudonymous)",
      access: 'case.read',
      params: CaseParams,
      responses: { 200: { description: 'The journey state', schema: CaseView } },
    },
    async ({ request, params }) => {
      await authorizeCase(ctx, request, 'case.read', params.code);
      const state = await withJourney(params.code, async () => {
        try {
          return await queryJourney(ctx.temporal, params.code);
        } catch (error) {
          // Past Temporal's retention a closed journey lives on in the database.
          const recorded = error instanceof WorkflowNotFoundError ? await caseFromRecords(ctx.db, ctx.policy, params.code) : null;
          if (recorded) return recorded;
          throw error;
        }
      });
      return { ...state, hasPersonalData: await ctx.personalData.exists(params.code) };
    },
  );

  routes.add(
    {
      method: 'GET',
      url: '/cases/:code/personal-data',
      operationId: 'getPersonalData',
      tag: 'Personal data',
      summary: "The person's details (audited read)",
      description: 'Coordinators of the province, and staff whose agency holds an open task of the case. Every read is written to the audit log first; without the audit record, no data.',
      access: 'personal-data.read',
      params: CaseParams,
      responses: {
        200: { description: 'The decrypted details', schema: z.object({ caseCode: z.string(), personalData: PersonalData, updatedAt: z.string() }) },
        404: { description: 'No such case in your scope, or no personal data on file' },
      },
    },
    async ({ request, params }) => {
      await authorizeCase(ctx, request, 'personal-data.read', params.code);
      if (!(await ctx.personalData.exists(params.code))) {
        await audit(ctx, request, { action: 'personal-data.read', outcome: 'failed', caseCode: params.code, detail: { found: false } });
        throw new Problem(404, 'not-found', `case ${params.code} has no personal data on file`);
      }
      // Audit first: a read that cannot be recorded does not happen.
      await audit(ctx, request, { action: 'personal-data.read', outcome: 'ok', caseCode: params.code });
      const found = await ctx.personalData.read(params.code);
      if (!found) throw new Problem(404, 'not-found', `case ${params.code} has no personal data on file`);
      return { caseCode: params.code, personalData: found.data, updatedAt: found.updatedAt.toISOString() };
    },
  );

  routes.add(
    {
      method: 'PUT',
      url: '/cases/:code/personal-data',
      operationId: 'putPersonalData',
      tag: 'Personal data',
      summary: "Record or replace the person's details (encrypted at rest)",
      access: 'personal-data.write',
      params: CaseParams,
      body: PersonalData,
      responses: { 204: { description: 'Stored' } },
    },
    async ({ request, reply, params, body, principal }) => {
      await authorizeCase(ctx, request, 'personal-data.write', params.code);
      await ctx.personalData.save(params.code, body, principal.id);
      await auditAfter(ctx, request, { action: 'personal-data.write', outcome: 'ok', caseCode: params.code });
      return reply.code(204).send();
    },
  );

  routes.add(
    {
      method: 'GET',
      url: '/cases/:code/notes',
      operationId: 'listNotes',
      tag: 'Personal data',
      summary: "The case's notes (free text, may hold personal data: audited read)",
      access: 'personal-data.read',
      params: CaseParams,
      responses: { 200: { description: 'Notes, oldest first', schema: Notes } },
    },
    async ({ request, params }) => {
      await authorizeCase(ctx, request, 'personal-data.read', params.code);
      await audit(ctx, request, { action: 'notes.read', outcome: 'ok', caseCode: params.code });
      return { items: await ctx.personalData.notes(params.code) };
    },
  );
}

/** HMAC of the request in a canonical form: recognises a retry without storing what it said. */
function fingerprintOf(ctx: ApiContext, body: StartCase): string {
  return createHmac('sha256', ctx.security.requestHashKey).update(canonicalJson(body)).digest('base64url');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

interface StartResult {
  replayed: boolean;
  body: z.infer<typeof CaseStarted>;
}

/**
 * The start request is recorded (with the personal data) before the journey starts, so a retry
 * after any failure finds it: a finished start is replayed, an unfinished one is completed. A
 * journey that already exists counts as ours only if its memo carries this request's start token.
 */
async function startIdempotently(ctx: ApiContext, body: StartCase, fingerprint: string, idempotencyKey: string | undefined, createdBy: string): Promise<StartResult> {
  const { prisma } = ctx.db;
  const workflowId = journeyWorkflowId(body.caseCode);
  for (let attempt = 0; ; attempt++) {
    const byKey = idempotencyKey ? await prisma.caseRequest.findUnique({ where: { idempotencyKey } }) : null;
    if (byKey && (byKey.requestHash !== fingerprint || byKey.caseCode !== body.caseCode)) {
      throw new Problem(409, 'conflict', `Idempotency-Key ${idempotencyKey} was already used for a different request`);
    }
    const existing = byKey ?? (await prisma.caseRequest.findUnique({ where: { caseCode: body.caseCode } }));
    if (existing && existing.requestHash !== fingerprint) {
      throw new Problem(409, 'conflict', `case ${body.caseCode} was already opened with different details (${workflowId})`);
    }
    if (existing?.status === 'started' && existing.runId) {
      return { replayed: true, body: { caseCode: body.caseCode, workflowId, runId: existing.runId } };
    }
    let createdNow = false;
    const startToken = existing?.startToken ?? randomBytes(18).toString('base64url');
    // A request recorded before start tokens existed gets one now, before its journey is started.
    if (existing && !existing.startToken) await prisma.caseRequest.update({ where: { caseCode: existing.caseCode }, data: { startToken } });
    if (!existing && (await prisma.case.findUnique({ where: { code: body.caseCode } }))) {
      throw new Problem(409, 'conflict', `case ${body.caseCode} already has a journey (${workflowId})`);
    }
    if (!existing) {
      try {
        await prisma.$transaction(async (tx) => {
          await tx.caseRequest.create({
            data: { caseCode: body.caseCode, idempotencyKey: idempotencyKey ?? null, requestHash: fingerprint, startToken, province: body.province, leadAgencyId: body.leadAgencyId, status: 'pending', workflowId, createdBy },
          });
          if (body.personalData) await ctx.personalData.withClient(tx).save(body.caseCode, body.personalData, createdBy);
        });
        createdNow = true;
      } catch (error) {
        // A concurrent twin recorded it first (case code or key): look again.
        if ((error as { code?: string }).code === 'P2002' && attempt < 3) continue;
        throw error;
      }
    }
    try {
      const handle = await startJourney(ctx.temporal, ctx.taskQueue, ctx.policy, { caseCode: body.caseCode, province: body.province, leadAgencyId: body.leadAgencyId }, startToken);
      await prisma.caseRequest.update({ where: { caseCode: body.caseCode }, data: { status: 'started', runId: handle.firstExecutionRunId } });
      return { replayed: !createdNow, body: { caseCode: body.caseCode, workflowId, runId: handle.firstExecutionRunId } };
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) {
        const described = await journeyHandle(ctx.temporal, body.caseCode).describe();
        if (described.memo?.[START_TOKEN] === startToken) {
          await prisma.caseRequest.update({ where: { caseCode: body.caseCode }, data: { status: 'started', runId: described.runId } });
          return { replayed: true, body: { caseCode: body.caseCode, workflowId, runId: described.runId } };
        }
        if (createdNow) await forget(ctx, body.caseCode);
        throw new Problem(409, 'conflict', `case ${body.caseCode} already has a journey (${workflowId})`);
      }
      // Temporal unreachable: nothing started, so nothing is kept; the caller may retry. After an
      // answer that may have come too late (a timeout), the journey may exist: the request and its
      // data stay, and the caller's retry completes them.
      if (createdNow && neverReachedTemporal(error)) await forget(ctx, body.caseCode);
      throw temporalProblem(error, body.caseCode, 'action') ?? error;
    }
  }
}

/** gRPC UNAVAILABLE (14): the call did not get through, so the journey was not started. */
function neverReachedTemporal(error: unknown): boolean {
  const grpc = [error, (error as { cause?: unknown })?.cause].find(isGrpcServiceError);
  return grpc?.code === 14;
}

async function forget(ctx: ApiContext, caseCode: string) {
  await ctx.db.prisma.$transaction([
    ctx.db.prisma.caseRequest.deleteMany({ where: { caseCode, status: 'pending' } }),
    ctx.db.prisma.casePersonalData.deleteMany({ where: { caseCode } }),
  ]);
}
