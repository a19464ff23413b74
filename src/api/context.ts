/**
 * What every route module shares: dependencies, the case scope lookup behind authorisation, the
 * acting staff member of a caller, the audit helpers and the mapping of Temporal errors to HTTP.
 */
import {
  isGrpcServiceError,
  QueryNotRegisteredError,
  ServiceError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type Client,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { FastifyRequest } from 'fastify';
import { ACTIVE_TASK_STATUSES } from '../db/task-rules';
import { decide, type Permission, type ResourceScope } from '../auth/matrix';
import type { Principal } from '../auth/principal';
import type { Security } from '../auth/security';
import { AuditLog, type AuditContext, type AuditEntry } from '../audit/audit-log';
import type { MetricsAccess } from '../metrics/access';
import { metricsExposition, type MetricsExposition } from '../metrics/exposition';
import { createServiceMetrics } from '../metrics/service-metrics';
import type { Database, PrismaClient } from '../db/client';
import type { Logger } from '../logger';
import { PersonalDataStore } from '../personal-data/store';
import type { JourneyPolicy } from '../policy/schema';
import { TaskRejection } from '../journey/definitions';
import { Problem, type ProblemType } from './problems';
import type { Routes } from './routing';
import type { Notifier } from './inbox-sign-in';
import type { SmsStatusDeps } from './routes/webhooks';

export interface ApiDeps {
  temporal: Client;
  /** Twilio's SMS status callbacks (routes/webhooks.ts) and inbound SMS (routes/sms-inbound.ts): registered only when given. */
  smsStatus?: Omit<SmsStatusDeps, 'temporal' | 'db'>;
  taskQueue: string;
  /** The policy new journeys start with (and journeys are upgraded to). */
  policy: JourneyPolicy;
  db: Database;
  logger: Logger;
  security: Security;
  /** Sends what the API itself sends (sign-in codes of the task inbox), on the service's transports. */
  notifier: Notifier;
  /** Sign-in code requests per minute from one client address (default 10); attempts get three times as many. */
  codeRequestsPerMinute?: number;
  now?: () => Date;
  /** GET /metrics: what it serves and who may scrape it. Default: the service's own metrics, on loopback. */
  metrics?: ApiMetrics;
  /** Disaggregated figures: the smallest count shown (INDICATOR_MIN_CELL_SIZE; default 5). */
  reporting?: { minCellSize: number };
}

export interface ApiMetrics {
  exposition: MetricsExposition;
  access: MetricsAccess;
}

export interface ApiContext extends ApiDeps {
  metrics: ApiMetrics;
  routes: Routes;
  audit: AuditLog;
  personalData: PersonalDataStore;
  now: () => Date;
}

export function createContext(deps: ApiDeps, routes: Routes): ApiContext {
  return {
    ...deps,
    routes,
    audit: new AuditLog(deps.db.prisma),
    personalData: new PersonalDataStore(deps.db.prisma, deps.security.keyring),
    now: deps.now ?? (() => new Date()),
    metrics: deps.metrics ?? { exposition: metricsExposition(createServiceMetrics(deps.db).registry), access: { token: null, open: true } },
  };
}

export interface CaseScope extends ResourceScope {
  caseCode: string;
  province: string;
  leadAgencyId: string;
  agencyIds: string[];
  activeAgencyIds: string[];
}

/** Who takes part in a case, from the start request and the journey's records. Null: no such case. */
export async function resolveCase(ctx: ApiContext, caseCode: string): Promise<CaseScope | null> {
  const { prisma } = ctx.db;
  const [request, record, tasks] = await Promise.all([
    prisma.caseRequest.findUnique({ where: { caseCode } }),
    prisma.case.findUnique({ where: { code: caseCode } }),
    prisma.task.findMany({ where: { caseCode }, select: { agencyId: true, status: true, agency: { select: { province: true } } } }),
  ]);
  const province = record?.province ?? request?.province;
  const leadAgencyId = record?.leadAgencyId ?? request?.leadAgencyId;
  if (!province || !leadAgencyId) return null;
  const active = tasks.filter((t) => ACTIVE_TASK_STATUSES.includes(t.status));
  return {
    caseCode,
    province,
    leadAgencyId,
    provinces: [...new Set([province, ...active.map((t) => t.agency.province)])],
    agencyIds: [...new Set([leadAgencyId, ...tasks.map((t) => t.agencyId)])],
    activeAgencyIds: [...new Set(active.map((t) => t.agencyId))],
  };
}

export const noSuchCase = (caseCode: string) => new Problem(404, 'not-found', `no case ${caseCode}`);

/**
 * The case, if the caller may use `permission` on it. Otherwise: 404, exactly as for a case that
 * does not exist, unless the caller may read the case (then 403: they know it exists).
 */
export async function authorizeCase(ctx: ApiContext, request: FastifyRequest, permission: Permission, caseCode: string): Promise<CaseScope> {
  const principal = request.principal!;
  const scope = await resolveCase(ctx, caseCode);
  const decision = scope ? decide(principal, permission, scope) : 'out-of-scope';
  if (decision === 'allow') return scope!;
  // Off the response path: waiting for the write would make an out-of-scope 404 slower than an unknown case's.
  if (scope) void auditAfter(ctx, request, { action: 'access.denied', outcome: 'denied', caseCode, detail: { permission } });
  if (scope && decision === 'out-of-scope' && decide(principal, 'case.read', scope) === 'allow') {
    throw new Problem(403, 'forbidden', `your role may not use ${permission} on case ${caseCode}`);
  }
  throw noSuchCase(caseCode);
}

/** The staff member a caller acts as: workflow updates name one. */
export function actorOf(principal: Principal, claimedStaffId?: string): { staffId: string; agencyId: string } {
  if (!principal.staffId || !principal.agencyId) {
    throw new Problem(403, 'forbidden', 'this credential acts as no staff member; task and case actions need one');
  }
  if (claimedStaffId !== undefined && claimedStaffId !== principal.staffId) {
    throw new Problem(403, 'forbidden', `staffId: this credential acts as ${principal.staffId}, not ${claimedStaffId}`, [
      { path: 'staffId', message: 'must be the staff member of the credential (or left out)' },
    ]);
  }
  return { staffId: principal.staffId, agencyId: principal.agencyId };
}

/** The caller's own X-Request-Id, when it is a plausible id (anything else is dropped, not echoed). */
export function clientRequestIdOf(headers: Record<string, string | string[] | undefined>): string | null {
  const given = headers['x-request-id'];
  return typeof given === 'string' && /^[A-Za-z0-9._:-]{8,128}$/.test(given) ? given : null;
}

export function auditContextOf(request: FastifyRequest): AuditContext {
  return { principal: request.principal, requestId: String(request.id), clientRequestId: clientRequestIdOf(request.headers) };
}

export async function audit(ctx: ApiContext, request: FastifyRequest, entry: AuditEntry): Promise<void> {
  await ctx.audit.append(auditContextOf(request), entry);
}

/** What a write and its audit row share: one transaction. */
export type WriteClient = Pick<PrismaClient, 'caseRequest' | 'casePersonalData' | 'caseNote' | 'auditEvent'>;

/**
 * A write of personal data and its audit row, committed together: either both are there or
 * neither, so no change to a person's data goes unrecorded.
 */
export async function auditedWrite<T>(ctx: ApiContext, request: FastifyRequest, entry: AuditEntry, write: (tx: WriteClient, personalData: PersonalDataStore) => Promise<T>): Promise<T> {
  return ctx.db.prisma.$transaction(async (tx) => {
    const result = await write(tx, ctx.personalData.withClient(tx));
    await ctx.audit.withClient(tx).append(auditContextOf(request), entry);
    return result;
  });
}

/** For after an action happened: a failed audit write is logged loudly but does not undo it. */
export async function auditAfter(ctx: ApiContext, request: FastifyRequest, entry: AuditEntry): Promise<void> {
  try {
    await audit(ctx, request, entry);
  } catch (error) {
    request.log.error({ err: error, auditAction: entry.action }, 'AUDIT WRITE FAILED');
  }
}

/** How a refused update reads to the caller; unknown refusal types are 422. */
const REJECTION_STATUS: Record<string, { status: number; type: ProblemType }> = {
  [TaskRejection.notFound]: { status: 404, type: 'not-found' },
  [TaskRejection.wrongAgency]: { status: 403, type: 'action-refused' },
  [TaskRejection.notLeadAgency]: { status: 403, type: 'action-refused' },
  [TaskRejection.alreadyDone]: { status: 409, type: 'conflict' },
  [TaskRejection.alreadyAcknowledged]: { status: 409, type: 'conflict' },
  [TaskRejection.caseClosed]: { status: 409, type: 'conflict' },
  [TaskRejection.transferPending]: { status: 409, type: 'conflict' },
  [TaskRejection.policyNotNewer]: { status: 409, type: 'conflict' },
  [TaskRejection.closurePending]: { status: 409, type: 'conflict' },
  [TaskRejection.noClosureRequest]: { status: 409, type: 'conflict' },
  [TaskRejection.noFreePlace]: { status: 409, type: 'conflict' },
  [TaskRejection.sameApprover]: { status: 403, type: 'action-refused' },
  [TaskRejection.notAPlacement]: { status: 422, type: 'action-refused' },
  [TaskRejection.facilityUnavailable]: { status: 422, type: 'action-refused' },
  [TaskRejection.referralAccepted]: { status: 409, type: 'conflict' },
  [TaskRejection.invalidOutcome]: { status: 422, type: 'action-refused' },
  [TaskRejection.invalidPlan]: { status: 422, type: 'action-refused' },
  [TaskRejection.consentRequired]: { status: 422, type: 'action-refused' },
  [TaskRejection.guardianRequired]: { status: 422, type: 'action-refused' },
  [TaskRejection.outOfBounds]: { status: 422, type: 'action-refused' },
  [TaskRejection.extensionTooLong]: { status: 422, type: 'action-refused' },
  [TaskRejection.notAReferral]: { status: 422, type: 'action-refused' },
  [TaskRejection.sameProvince]: { status: 422, type: 'action-refused' },
  [TaskRejection.invalidInput]: { status: 422, type: 'action-refused' },
};

/** A refused update as a Problem, or null when `error` is not a refusal. */
export function refusalOf(error: unknown): (Problem & { rejection: string }) | null {
  if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure) {
    const type = error.cause.type ?? 'Refused';
    const mapped = REJECTION_STATUS[type] ?? { status: 422, type: 'action-refused' as const };
    return Object.assign(new Problem(mapped.status, mapped.type, error.cause.message), { rejection: type });
  }
  return null;
}

/**
 * Runs a call against a case's workflow. A missing workflow is a 404 for reads and a 409 for
 * actions (the case exists, its journey has ended); refusals are 4xx; an unreachable Temporal 503.
 */
export async function withJourney<T>(caseCode: string, call: () => Promise<T>, kind: 'read' | 'action' = 'read'): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw temporalProblem(error, caseCode, kind) ?? error;
  }
}

export function temporalProblem(error: unknown, caseCode: string, kind: 'read' | 'action'): Problem | null {
  if (error instanceof WorkflowNotFoundError) {
    return kind === 'read' ? noSuchCase(caseCode) : new Problem(409, 'conflict', `case ${caseCode} has no running journey`);
  }
  const refusal = refusalOf(error);
  if (refusal) return refusal;
  if (error instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
    return new Problem(503, 'service-unavailable', 'the journey did not answer in time; try again', undefined, { 'retry-after': '5' });
  }
  if (error instanceof QueryNotRegisteredError) {
    return new Problem(503, 'service-unavailable', `the journey of case ${caseCode} is starting; try again`, undefined, { 'retry-after': '1' });
  }
  if (error instanceof ServiceError || isGrpcServiceError(error) || isGrpcServiceError((error as { cause?: unknown })?.cause)) {
    return new Problem(503, 'service-unavailable', 'the workflow service is not reachable; try again', undefined, { 'retry-after': '5' });
  }
  return null;
}
