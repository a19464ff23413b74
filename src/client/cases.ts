/** Case and task routes: start a journey, read it, act on its tasks. */
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { CaseCode } from '../domain/case';
import type { Database } from '../db/client';
import type { JourneyPolicy } from '../policy/schema';
import { acknowledgeTaskUpdate, completeTaskUpdate, OpenCase, TaskRejection, journeyWorkflowId } from '../workflows/definitions';
import { journeyHandle, queryJourney, startJourney } from './journeys';
import { invalid, Problem } from './problems';

export interface CaseRouteDeps {
  temporal: Client;
  taskQueue: string;
  policy: JourneyPolicy;
  db: Database;
}

const CaseParams = z.object({ code: CaseCode });
const TaskParams = z.object({ code: CaseCode, taskKey: z.string().regex(/^[a-z][a-z0-9-]{0,63}$/, 'a task key such as "reception"') });
const StaffAction = z.strictObject({ staffId: z.string().min(1).max(64) });
const CompleteAction = StaffAction.extend({ outcome: z.string().min(1).max(64).optional() });

/** How a refused update reads to the caller. */
const REJECTION_STATUS: Record<string, { status: number; type: 'not-found' | 'conflict' | 'action-refused' }> = {
  [TaskRejection.notFound]: { status: 404, type: 'not-found' },
  [TaskRejection.wrongAgency]: { status: 403, type: 'action-refused' },
  [TaskRejection.alreadyDone]: { status: 409, type: 'conflict' },
  [TaskRejection.alreadyAcknowledged]: { status: 409, type: 'conflict' },
  [TaskRejection.caseClosed]: { status: 409, type: 'conflict' },
  [TaskRejection.invalidOutcome]: { status: 422, type: 'action-refused' },
  [TaskRejection.invalidInput]: { status: 422, type: 'action-refused' },
};

export function caseRoutes(app: FastifyInstance, deps: CaseRouteDeps) {
  const { temporal, db } = deps;

  app.post('/cases', async (request, reply) => {
    const body = parse(OpenCase, request.body, 'body');
    const lead = await db.prisma.agency.findUnique({ where: { id: body.leadAgencyId } });
    if (!lead || lead.province !== body.province || lead.kind !== 'health_dept') {
      throw new Problem(400, 'invalid-request', `leadAgencyId: "${body.leadAgencyId}" is not the health department of ${body.province}`, [
        { path: 'leadAgencyId', message: `must be the provincial health department of ${body.province}` },
      ]);
    }
    try {
      const handle = await startJourney(temporal, deps.taskQueue, deps.policy, body);
      request.log.info({ caseCode: body.caseCode, workflowId: handle.workflowId }, 'journey started');
      return reply.code(201).send({ caseCode: body.caseCode, workflowId: handle.workflowId, runId: handle.firstExecutionRunId });
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) {
        throw new Problem(409, 'conflict', `case ${body.caseCode} already has a journey (${journeyWorkflowId(body.caseCode)})`);
      }
      throw error;
    }
  });

  app.get('/cases/:code', async (request) => {
    const { code } = parse(CaseParams, request.params, 'path');
    return withJourney(code, () => queryJourney(temporal, code));
  });

  app.post('/cases/:code/tasks/:taskKey/acknowledge', async (request) => {
    const { code, taskKey } = parse(TaskParams, request.params, 'path');
    const { staffId } = parse(StaffAction, request.body, 'body');
    const actor = await staffActor(staffId);
    return withJourney(code, () =>
      journeyHandle(temporal, code).executeUpdate(acknowledgeTaskUpdate, { args: [{ taskId: `${code}/${taskKey}`, ...actor }] }),
    );
  });

  app.post('/cases/:code/tasks/:taskKey/complete', async (request) => {
    const { code, taskKey } = parse(TaskParams, request.params, 'path');
    const { staffId, outcome } = parse(CompleteAction, request.body, 'body');
    const actor = await staffActor(staffId);
    return withJourney(code, () =>
      journeyHandle(temporal, code).executeUpdate(completeTaskUpdate, { args: [{ taskId: `${code}/${taskKey}`, ...actor, outcome }] }),
    );
  });

  async function staffActor(staffId: string) {
    const staff = await db.prisma.staffMember.findUnique({ where: { id: staffId } });
    if (!staff?.active) {
      throw new Problem(400, 'invalid-request', `staffId: no active staff member "${staffId}"`, [{ path: 'staffId', message: 'unknown or inactive staff member' }]);
    }
    return { staffId: staff.id, agencyId: staff.agencyId };
  }
}

function parse<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const result = schema.safeParse(value ?? {});
  if (!result.success) throw invalid(result.error, where);
  return result.data;
}

/** Runs a call against a case's workflow, turning "no such journey" and refused updates into 4xx. */
async function withJourney<T>(caseCode: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) throw new Problem(404, 'not-found', `no case ${caseCode}`);
    if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure) {
      const mapped = REJECTION_STATUS[error.cause.type ?? ''];
      if (mapped) throw new Problem(mapped.status, mapped.type, error.cause.message);
    }
    throw error;
  }
}
