/**
 * Idempotent case starts. The start request is recorded (with the personal data) before the
 * journey starts, so a retry after any failure finds it: a finished start is replayed, an
 * unfinished one is completed. A journey that already exists counts as ours only if its memo
 * carries this request's start token.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { isGrpcServiceError, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { CaseFacts, IntakeSource } from '../domain/case';
import { PersonalData } from '../personal-data/schema';
import { canonicalJson } from '../policy/digest';
import { OpenCase, journeyWorkflowId } from '../journey/definitions';
import { journeyHandle, startJourney, START_TOKEN } from '../client/journeys';
import { storePolicy } from '../db/policy-bodies';
import type { PersonalDataStore } from '../personal-data/store';
import { auditedWrite, temporalProblem, type ApiContext, type WriteClient } from './context';
import { Problem } from './problems';
import type { CaseStarted } from './schemas';

/**
 * How far back a notification may lie. Art. 27's 3 days count from it, so a case recorded weeks late
 * opens with its verification long overdue; beyond 30 days the date is far more likely a typing
 * mistake (a wrong month or year) than a record that late, and it is refused rather than escalated.
 */
export const NOTIFIED_WITHIN_DAYS = 30;
/** Clocks of the caller and the server may differ a little: a notification "now" is never refused as future. */
const CLOCK_SKEW_MS = 5 * 60_000;

export const NotifiedAt = z.iso
  .datetime({ offset: true, message: 'an ISO 8601 date-time with its offset, e.g. "2026-11-30T08:00:00+07:00"' })
  .refine((at) => Date.parse(at) <= Date.now() + CLOCK_SKEW_MS, 'must not be in the future')
  .refine((at) => Date.parse(at) >= Date.now() - NOTIFIED_WITHIN_DAYS * 86_400_000, `must be within the last ${NOTIFIED_WITHIN_DAYS} days`)
  .describe(`When the provincial health department was notified (Art. 27's 3 days count from here); at most ${NOTIFIED_WITHIN_DAYS} days ago. Default: when the case is opened`);

/** What the intake records of one person, beside their personal data: pseudonymous facts the policy reads. */
export const IntakeFacts = {
  notifiedAt: NotifiedAt.optional(),
  notifiedBy: IntakeSource.optional().describe('Who notified the health department: commune committee, police, border guard, coast guard, return from abroad (IOM, embassy), self-report, hotline'),
  child: z.boolean().optional().describe("A child's case: guardian contact and child-protection tasks open, with shorter deadlines"),
};

export const StartCase = z.strictObject({
  caseCode: OpenCase.shape.caseCode,
  province: OpenCase.shape.province,
  leadAgencyId: OpenCase.shape.leadAgencyId,
  ...IntakeFacts,
  personalData: PersonalData.optional().describe('The person’s details: encrypted at rest, never sent to the workflow engine'),
});
export type StartCase = z.infer<typeof StartCase>;

/** A case of a family opened together (src/api/family-start.ts): its members share the family's id. */
export type StartMember = StartCase & { familyId?: string };

/** The journey's case facts: the notification time in UTC, only what the request gave. */
export function factsOf(body: StartMember): CaseFacts | undefined {
  const facts: CaseFacts = {
    ...(body.notifiedAt ? { notifiedAt: new Date(body.notifiedAt).toISOString() } : {}),
    ...(body.notifiedBy ? { notifiedBy: body.notifiedBy } : {}),
    ...(body.child !== undefined ? { child: body.child } : {}),
    ...(body.familyId ? { familyId: body.familyId } : {}),
  };
  return Object.keys(facts).length ? CaseFacts.parse(facts) : undefined;
}

export interface StartResult {
  replayed: boolean;
  body: z.infer<typeof CaseStarted>;
}

type CaseRequest = NonNullable<Awaited<ReturnType<ApiContext['db']['prisma']['caseRequest']['findUnique']>>>;

/** Concurrent twins of one request race to record it: the loser looks again, this many times. */
const RECORD_RETRIES = 3;

export async function startIdempotently(ctx: ApiContext, request: FastifyRequest, body: StartMember, idempotencyKey: string | undefined, createdBy: string): Promise<StartResult> {
  const fingerprint = fingerprintOf(ctx, body);
  for (let attempt = 0; ; attempt++) {
    const existing = await priorRequest(ctx, body, fingerprint, idempotencyKey);
    if (existing?.status === 'started' && existing.runId) return started(body.caseCode, existing.runId, true);
    const startToken = await startTokenOf(ctx, existing);
    if (!existing) {
      await assertNoJourney(ctx, body.caseCode);
      const recorded = await recordRequest(ctx, request, body, { fingerprint, idempotencyKey, startToken, createdBy }, attempt < RECORD_RETRIES);
      if (!recorded) continue;
    }
    return startRecorded(ctx, body, startToken, !existing);
  }
}


/** The recorded request this one repeats, if any; a key or case code used for another request is a 409. */
export async function priorRequest(ctx: ApiContext, body: StartMember, fingerprint: string, idempotencyKey: string | undefined): Promise<CaseRequest | null> {
  const { prisma } = ctx.db;
  const byKey = idempotencyKey ? await prisma.caseRequest.findUnique({ where: { idempotencyKey } }) : null;
  if (byKey && (byKey.requestHash !== fingerprint || byKey.caseCode !== body.caseCode)) {
    throw new Problem(409, 'conflict', `Idempotency-Key ${idempotencyKey} was already used for a different request`);
  }
  const existing = byKey ?? (await prisma.caseRequest.findUnique({ where: { caseCode: body.caseCode } }));
  if (existing && existing.requestHash !== fingerprint) {
    throw new CaseCodeTaken(body.caseCode, `case ${body.caseCode} was already opened with different details (${journeyWorkflowId(body.caseCode)})`);
  }
  return existing;
}

async function startTokenOf(ctx: ApiContext, existing: CaseRequest | null): Promise<string> {
  const startToken = existing?.startToken ?? randomBytes(18).toString('base64url');
  // A request recorded before start tokens existed gets one now, before its journey is started.
  if (existing && !existing.startToken) await ctx.db.prisma.caseRequest.update({ where: { caseCode: existing.caseCode }, data: { startToken } });
  return startToken;
}

export async function assertNoJourney(ctx: ApiContext, caseCode: string): Promise<void> {
  if (await ctx.db.prisma.case.findUnique({ where: { code: caseCode } })) throw alreadyHasJourney(caseCode);
}

/**
 * Records the request and its personal data, with the audit row of that write, in one
 * transaction; false when a concurrent twin was first (and `mayRetry`).
 */
async function recordRequest(
  ctx: ApiContext,
  request: FastifyRequest,
  body: StartMember,
  r: { fingerprint: string; idempotencyKey: string | undefined; startToken: string; createdBy: string },
  mayRetry: boolean,
): Promise<boolean> {
  const { caseCode, province, leadAgencyId, personalData } = body;
  const write = async (tx: WriteClient, store: PersonalDataStore) => {
    await tx.caseRequest.create({
      data: { caseCode, idempotencyKey: r.idempotencyKey ?? null, requestHash: r.fingerprint, startToken: r.startToken, province, leadAgencyId, status: 'pending', workflowId: journeyWorkflowId(caseCode), createdBy: r.createdBy },
    });
    if (personalData) await store.save(caseCode, personalData, r.createdBy);
  };
  try {
    if (personalData) await auditedWrite(ctx, request, { action: 'personal-data.write', outcome: 'ok', caseCode }, write);
    else await ctx.db.prisma.$transaction((tx) => write(tx, ctx.personalData.withClient(tx)));
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === 'P2002' && mayRetry) return false;
    throw error;
  }
}

/** Starts the journey of a recorded request. `createdNow`: this call recorded it (and may forget it again). */
async function startRecorded(ctx: ApiContext, body: StartMember, startToken: string, createdNow: boolean): Promise<StartResult> {
  const { caseCode, province, leadAgencyId } = body;
  try {
    // The body is stored before the start: the journey's input names it, and its first step reads it.
    const policy = await storePolicy(ctx.db.prisma, ctx.policy);
    const facts = factsOf(body);
    const handle = await startJourney(ctx.temporal, ctx.taskQueue, policy, { caseCode, province, leadAgencyId, ...(facts ? { facts } : {}) }, startToken);
    await markStarted(ctx, caseCode, handle.firstExecutionRunId);
    return started(caseCode, handle.firstExecutionRunId, !createdNow);
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return adoptStarted(ctx, caseCode, startToken, createdNow);
    // Temporal unreachable: nothing started, so nothing is kept; the caller may retry. After an
    // answer that may have come too late (a timeout), the journey may exist: the request and its
    // data stay, and the caller's retry completes them.
    if (createdNow && neverReachedTemporal(error)) await forget(ctx, caseCode);
    throw temporalProblem(error, caseCode, 'action') ?? error;
  }
}

/** The journey exists already: ours if its memo carries our start token, otherwise a 409. */
async function adoptStarted(ctx: ApiContext, caseCode: string, startToken: string, createdNow: boolean): Promise<StartResult> {
  const described = await journeyHandle(ctx.temporal, caseCode).describe();
  if (described.memo?.[START_TOKEN] === startToken) {
    await markStarted(ctx, caseCode, described.runId);
    return started(caseCode, described.runId, true);
  }
  if (createdNow) await forget(ctx, caseCode);
  throw alreadyHasJourney(caseCode);
}

async function markStarted(ctx: ApiContext, caseCode: string, runId: string): Promise<void> {
  await ctx.db.prisma.caseRequest.update({ where: { caseCode }, data: { status: 'started', runId } });
}

function started(caseCode: string, runId: string, replayed: boolean): StartResult {
  return { replayed, body: { caseCode, workflowId: journeyWorkflowId(caseCode), runId } };
}

/** A 409 about a case code in use: its detail is for callers who may read that case (routes/cases.ts hides it from others). */
export class CaseCodeTaken extends Problem {
  constructor(readonly caseCode: string, detail: string) {
    super(409, 'conflict', detail);
  }
}

const alreadyHasJourney = (caseCode: string) => new CaseCodeTaken(caseCode, `case ${caseCode} already has a journey (${journeyWorkflowId(caseCode)})`);

/**
 * What a caller who may not read the case learns about a code in use: only that it cannot be used.
 * The same words answer a code taken by a journey with no record here, so neither tells a case
 * exists, nor its province or details.
 */
export const caseCodeUnavailable = (caseCode: string) => new Problem(409, 'conflict', `case code ${caseCode} is not available; choose another code`);

/** HMAC of the request in a canonical form: recognises a retry without storing what it said. */
export function fingerprintOf(ctx: ApiContext, body: StartMember): string {
  return createHmac('sha256', ctx.security.requestHashKey).update(canonicalJson(body)).digest('base64url');
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
