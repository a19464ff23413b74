/**
 * Cases: open one (its journey starts idempotently, see case-start.ts) or a family's together
 * (family-start.ts), list them, read one.
 * Personal data given at the start goes only to the database, encrypted; the journey is started
 * with the pseudonymous case facts alone.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ACTIVE_TASK_STATUSES, isOverdue, overdueTaskWhere } from '../../db/task-rules';
import { decide, provincesOf } from '../../auth/matrix';
import type { Principal } from '../../auth/principal';
import { CaseCode } from '../../domain/case';
import { ProvinceCode } from '../../domain/provinces';
import { firstTasksRecorded, queryJourney } from '../../client/journeys';
import { caseFromRecords, familyCasesOf } from '../case-records';
import { CaseCodeTaken, caseCodeUnavailable, startIdempotently, StartCase, type StartMember } from '../case-start';
import { FamilyStarted, membersOf, StartFamily, startFamilyIdempotently } from '../family-start';
import { audit, auditAfter, authorizeCase, resolveCase, withJourney, type ApiContext } from '../context';
import { Problem } from '../problems';
import { q } from '../routing';
import { CaseList, CaseParams, CaseStarted, CaseView } from '../schemas';

/** How long `POST /cases` waits for the journey's first tasks before answering anyway. */
const FIRST_TASKS_WAIT_MS = 10_000;

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
type ListQuery = z.output<typeof ListQuery>;

type Prisma = ApiContext['db']['prisma'];
type CaseFilter = NonNullable<NonNullable<Parameters<Prisma['case']['findMany']>[0]>['where']>;

export function caseRoutes(ctx: ApiContext) {
  startCase(ctx);
  startFamily(ctx);
  listCases(ctx);
  getCase(ctx);
}

function startCase(ctx: ApiContext) {
  ctx.routes.add(
    {
      method: 'POST',
      url: '/cases',
      operationId: 'startCase',
      tag: 'Cases',
      summary: 'Open a case and start its journey',
      description:
        'Idempotent: a repeated request with the same `Idempotency-Key`, or the same case code and body, returns the ' +
        'original result (with `Idempotent-Replayed: true`); the same key or case code with a different body is a 409. ' +
        'Personal data, when given, is stored encrypted and never reaches the workflow engine. `notifiedAt` (at most 30 days ' +
        "ago, never in the future) starts Art. 27's 3 days of verification; `notifiedBy` and `child` open the policy's tasks " +
        "for a border-guard hand-over, a return from abroad or a child. The answer comes once the " +
        "journey's first tasks (reception) exist, so they can be acknowledged right away (after at most 10 s it comes anyway).",
      access: 'case.start',
      body: StartCase,
      headers: [{ name: 'Idempotency-Key', description: 'Makes retries safe: the same key returns the first result', schema: IdempotencyKey }],
      responses: {
        201: { description: 'The journey started', schema: CaseStarted },
        409: { description: 'The case code or Idempotency-Key was used for a different request; a code in use by a case outside your scope is just "not available"' },
      },
    },
    async ({ request, reply, body, principal }) => {
      const idempotencyKey = idempotencyKeyOf(request);
      await authorizeStart(ctx, request, principal, body.province);
      await assertLeadAgency(ctx, body);
      const result = await startIdempotently(ctx, request, body, idempotencyKey, principal.id).catch((e: unknown) => hideForeignCase(ctx, principal, e));
      await auditStart(ctx, request, body, result.replayed);
      if (!(await firstTasksRecorded(ctx.temporal, body.caseCode, FIRST_TASKS_WAIT_MS))) request.log.warn({ caseCode: body.caseCode }, 'journey started, but its first tasks are not recorded yet');
      if (result.replayed) reply.header('idempotent-replayed', 'true');
      request.log.info({ caseCode: body.caseCode, replayed: result.replayed }, 'journey started');
      return reply.code(201).header('location', `/cases/${body.caseCode}`).send(result.body);
    },
  );
}

function startFamily(ctx: ApiContext) {
  ctx.routes.add(
    {
      method: 'POST',
      url: '/families',
      operationId: 'startFamily',
      tag: 'Cases',
      summary: 'Open the linked cases of one family together (accompanying children, relatives)',
      description:
        'Each member is a case of its own, with its code, personal data and facts (`child`; `notifiedAt` and `notifiedBy` ' +
        "default to the family's), and all share a generated `familyId`; `GET /cases/{code}` lists a member's linked cases. " +
        'All or nothing: a member with bad input (400) or a code in use (409) opens no case. Idempotent as `POST /cases`: ' +
        'the same `Idempotency-Key` or the same body returns the first result, and a retry after a failure part-way ' +
        "(503) opens the members that were not opened yet. The answer comes once every member's first tasks exist.",
      access: 'case.start',
      body: StartFamily,
      headers: [{ name: 'Idempotency-Key', description: 'Makes retries safe: the same key returns the first result', schema: IdempotencyKey }],
      responses: {
        201: { description: "The family's journeys started", schema: FamilyStarted },
        409: { description: 'A member\'s case code or the Idempotency-Key was used for a different request; a code in use by a case outside your scope is just "not available"' },
      },
    },
    async ({ request, reply, body, principal }) => {
      const idempotencyKey = idempotencyKeyOf(request);
      await authorizeStart(ctx, request, principal, body.province);
      await assertLeadAgency(ctx, body);
      const result = await startFamilyIdempotently(ctx, request, body, idempotencyKey, principal.id).catch((e: unknown) => hideForeignCase(ctx, principal, e));
      for (const member of membersOf(body, result.body.familyId)) await auditStart(ctx, request, member, result.replayed);
      const codes = body.members.map((m) => m.caseCode);
      const recorded = await Promise.all(codes.map((code) => firstTasksRecorded(ctx.temporal, code, FIRST_TASKS_WAIT_MS)));
      if (!recorded.every(Boolean)) request.log.warn({ familyId: result.body.familyId }, 'family started, but not every first task is recorded yet');
      if (result.replayed) reply.header('idempotent-replayed', 'true');
      request.log.info({ familyId: result.body.familyId, members: codes.length, replayed: result.replayed }, 'family started');
      return reply.code(201).send(result.body);
    },
  );
}

function idempotencyKeyOf(request: FastifyRequest): string | undefined {
  const header = request.headers['idempotency-key'];
  if (header === undefined) return undefined;
  const idem = IdempotencyKey.safeParse(header);
  if (!idem.success) {
    throw new Problem(400, 'invalid-request', 'Idempotency-Key: 8–128 letters, digits or "_", ".", ":", "-"', [
      { path: 'Idempotency-Key', message: idem.error.issues[0]!.message },
    ]);
  }
  return idem.data;
}

/** The matrix allows `case.start` in the caller's province; the body names the case's. */
async function authorizeStart(ctx: ApiContext, request: FastifyRequest, principal: Principal, province: string) {
  if (decide(principal, 'case.start', { provinces: [province] }) === 'allow') return;
  await audit(ctx, request, { action: 'access.denied', outcome: 'denied', detail: { permission: 'case.start', province } });
  throw new Problem(403, 'forbidden', `you may open cases in ${principal.province ?? 'no province'} only`);
}

/** A code taken by a case the caller may not read is only "not available": never which case, province or journey. */
async function hideForeignCase(ctx: ApiContext, principal: Principal, error: unknown): Promise<never> {
  if (!(error instanceof CaseCodeTaken)) throw error;
  const scope = await resolveCase(ctx, error.caseCode);
  if (scope && decide(principal, 'case.read', scope) === 'allow') throw error;
  throw caseCodeUnavailable(error.caseCode);
}

async function assertLeadAgency(ctx: ApiContext, body: Pick<StartCase, 'province' | 'leadAgencyId'>) {
  const lead = await ctx.db.prisma.agency.findUnique({ where: { id: body.leadAgencyId } });
  if (!lead || lead.province !== body.province || lead.kind !== 'health_dept') {
    throw new Problem(400, 'invalid-request', `leadAgencyId: "${body.leadAgencyId}" is not the health department of ${body.province}`, [
      { path: 'leadAgencyId', message: `must be the provincial health department of ${body.province}` },
    ]);
  }
}

async function auditStart(ctx: ApiContext, request: FastifyRequest, body: StartMember, replayed: boolean) {
  await auditAfter(ctx, request, {
    action: 'case.start',
    outcome: 'ok',
    caseCode: body.caseCode,
    detail: { province: body.province, leadAgencyId: body.leadAgencyId, personalData: body.personalData !== undefined, replayed, ...(body.familyId ? { familyId: body.familyId } : {}) },
  });
}

function listCases(ctx: ApiContext) {
  ctx.routes.add(
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
      const limit = query.limit ?? 50;
      const rows = await ctx.db.prisma.case.findMany({
        where: { AND: caseFilters(principal, query, now) },
        include: { tasks: { where: { status: { in: ACTIVE_TASK_STATUSES } }, select: { status: true, acknowledgeDueAt: true, completeDueAt: true } } },
        orderBy: [{ openedAt: 'desc' }, { code: 'desc' }],
        take: limit + 1,
        ...(query.cursor ? { cursor: { code: query.cursor }, skip: 1 } : {}),
      });
      const page = rows.slice(0, limit);
      return { items: page.map((c) => caseListItem(c, now)), nextCursor: rows.length > limit ? page[page.length - 1]!.code : null };
    },
  );
}

/** The caller's scope, then the query's filters. */
function caseFilters(principal: Principal, query: ListQuery, now: Date): CaseFilter[] {
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
  return and;
}

type ListedCase = Awaited<ReturnType<Prisma['case']['findFirstOrThrow']>> & {
  tasks: { status: string; acknowledgeDueAt: Date; completeDueAt: Date }[];
};

function caseListItem(c: ListedCase, now: Date): z.infer<typeof CaseList>['items'][number] {
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
}

function getCase(ctx: ApiContext) {
  ctx.routes.add(
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
      const state = await withJourney(params.code, () => journeyOrRecords(ctx, params.code));
      const familyCases = await familyCasesOf(ctx.db, params.code, state.facts?.familyId);
      return { ...state, familyCases, hasPersonalData: await ctx.personalData.exists(params.code) };
    },
  );
}

/** Past Temporal's retention a closed journey lives on in the database. */
async function journeyOrRecords(ctx: ApiContext, caseCode: string) {
  try {
    return await queryJourney(ctx.temporal, caseCode);
  } catch (error) {
    const recorded = error instanceof WorkflowNotFoundError ? await caseFromRecords(ctx.db, ctx.policy, caseCode) : null;
    if (recorded) return recorded;
    throw error;
  }
}
