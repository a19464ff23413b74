/**
 * An in-memory stand-in for the Temporal client, for the fast in-process API tests (authorisation
 * matrix, fuzzing): it records every start and update, keeps a tiny journey per case with the
 * workflow's agency rules, and writes the Case/Task rows the real activities would write, so
 * the API's scope checks see what they see in production. Journeys that need the real workflow
 * are tested against the suite's Temporal server (cases-http, personal-data, action links).
 */
import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/common';
import type { Database } from '../../../src/db/client';
import { TaskRejection, type JourneyState, type TaskState } from '../../../src/workflows/definitions';

export interface FakeTemporal {
  client: Client;
  starts: { workflowId: string; args: unknown[]; memo?: Record<string, unknown> }[];
  updates: { workflowId: string; name: string; args: unknown[] }[];
  journeys: Map<string, JourneyState>;
  /** Adds a case with a reception task (lead agency) and a police verification task. */
  seedCase(caseCode: string, opts?: { province?: string; leadAgencyId?: string; policeAgencyId?: string }): Promise<void>;
  /** Makes every call fail as if the server were unreachable. */
  down: boolean;
}

const refuse = (type: string, message: string) =>
  new WorkflowUpdateFailedError('Workflow Update failed', ApplicationFailure.create({ type, message, nonRetryable: true }));

export function createFakeTemporal(db: Database): FakeTemporal {
  const journeys = new Map<string, JourneyState>();
  const memos = new Map<string, Record<string, unknown>>();
  const starts: FakeTemporal['starts'] = [];
  const updates: FakeTemporal['updates'] = [];
  const now = () => new Date().toISOString();
  const fake: FakeTemporal = { client: undefined as unknown as Client, starts, updates, journeys, seedCase, down: false };

  const unavailable = () => Object.assign(new Error('14 UNAVAILABLE: connect ECONNREFUSED'), { code: 14, details: 'unavailable', metadata: {} });

  function task(caseCode: string, key: string, agencyId: string, assigneeId: string | null, stage: string): TaskState {
    const t = now();
    return {
      id: `${caseCode}/${key}`,
      key,
      stage,
      title: { vi: key, en: key },
      agencyId,
      assigneeId,
      status: 'open',
      createdAt: t,
      acknowledgeDueAt: new Date(Date.now() + 3_600_000).toISOString(),
      completeDueAt: new Date(Date.now() + 86_400_000).toISOString(),
      escalationLevel: 0,
      extendedMs: 0,
      revision: 0,
    };
  }

  async function seedCase(caseCode: string, opts: { province?: string; leadAgencyId?: string; policeAgencyId?: string } = {}) {
    const province = opts.province ?? 'VN-DN';
    const lead = opts.leadAgencyId ?? 'dn-health';
    const police = opts.policeAgencyId ?? 'dn-police';
    const tasks = [task(caseCode, 'reception', lead, `${lead}-caseworker-1`, 'reception'), task(caseCode, 'police-verification', police, `${police}-caseworker-1`, 'initial-verification')];
    journeys.set(caseCode, {
      caseCode,
      province,
      leadAgencyId: lead,
      policy: { id: 'vn-default', version: 1 },
      stage: 'reception',
      round: 0,
      status: 'active',
      openedAt: now(),
      consent: { given: false },
      plan: [],
      tasks,
      history: [{ seq: 0, at: now(), action: 'case-opened' }],
    } as JourneyState);
    await db.prisma.case.upsert({
      where: { code: caseCode },
      create: { code: caseCode, province, leadAgencyId: lead, workflowId: `journey-${caseCode}`, stage: 'reception', status: 'active' },
      update: {},
    });
    for (const t of tasks) {
      await db.prisma.task.upsert({
        where: { id: t.id },
        create: { id: t.id, caseCode, taskKey: t.key, stage: t.stage, agencyId: t.agencyId, assigneeId: t.assigneeId, status: 'open', ackDueAt: new Date(t.acknowledgeDueAt), doneDueAt: new Date(t.completeDueAt) },
        update: {},
      });
    }
  }

  function handle(workflowId: string) {
    const caseCode = workflowId.replace(/^journey-/, '');
    const journey = () => {
      if (fake.down) throw unavailable();
      const j = journeys.get(caseCode);
      if (!j) throw new WorkflowNotFoundError(`no workflow ${workflowId}`, workflowId, undefined);
      return j;
    };
    return {
      workflowId,
      async query() {
        return structuredClone(journey());
      },
      async describe() {
        journey();
        return { runId: `run-${caseCode}`, memo: memos.get(workflowId) ?? {} };
      },
      async executeUpdate(def: { name: string }, opts: { args: [Record<string, unknown>] }) {
        updates.push({ workflowId, name: def.name, args: opts.args });
        const j = journey();
        const u = opts.args[0];
        if (j.status === 'closed') throw refuse(TaskRejection.caseClosed, `case ${caseCode} is closed`);
        const caseLevel = ['closeCase', 'transferCase', 'recordConsent', 'withdrawConsent', 'changePolicy'].includes(def.name);
        if (caseLevel) {
          if (u.agencyId !== j.leadAgencyId) throw refuse(TaskRejection.notLeadAgency, `only the lead agency (${j.leadAgencyId}) can do this`);
          if (def.name === 'closeCase') {
            j.status = 'closed';
            j.closureReason = u.reason as JourneyState['closureReason'];
            return { status: j.status, closureReason: j.closureReason };
          }
          if (def.name === 'recordConsent' || def.name === 'withdrawConsent') return (j.consent = { given: def.name === 'recordConsent', at: now(), by: u.staffId as string });
          if (def.name === 'changePolicy') return { id: 'vn-default', version: 2 };
          const acceptance = task(caseCode, 'transfer-acceptance', 'hn-health', null, 'transfer');
          j.tasks.push(acceptance);
          return acceptance;
        }
        const t = j.tasks.find((x) => x.id === u.taskId);
        if (!t) throw refuse(TaskRejection.notFound, `case ${caseCode} has no task ${String(u.taskId)}`);
        const leadMayAct = def.name === 'reassignTask' && u.agencyId === j.leadAgencyId;
        if (t.agencyId !== u.agencyId && !leadMayAct) throw refuse(TaskRejection.wrongAgency, `task ${t.id} belongs to another agency`);
        if (t.status === 'done' && def.name !== 'addNote') throw refuse(TaskRejection.alreadyDone, `task ${t.id} is already done`);
        switch (def.name) {
          case 'acknowledgeTask':
            if (t.status !== 'open') throw refuse(TaskRejection.alreadyAcknowledged, `task ${t.id} was already acknowledged`);
            t.status = 'acknowledged';
            t.acknowledgedAt = now();
            break;
          case 'completeTask':
            t.status = 'done';
            t.completedAt = now();
            if (u.outcome) t.outcome = u.outcome as string;
            break;
          case 'declineReferral':
            if (t.agencyId === j.leadAgencyId) throw refuse(TaskRejection.notAReferral, `task ${t.id} is the lead agency's own`);
            t.agencyId = j.leadAgencyId;
            break;
          case 'reassignTask':
            t.assigneeId = u.toStaffId as string;
            t.agencyId = u.toAgencyId as string;
            break;
          default:
            break;
        }
        return structuredClone(t);
      },
    };
  }

  fake.client = {
    workflow: {
      async start(_type: string, opts: { workflowId: string; args: unknown[]; memo?: Record<string, unknown> }) {
        if (fake.down) throw unavailable();
        starts.push({ workflowId: opts.workflowId, args: opts.args, memo: opts.memo });
        if (journeys.has(opts.workflowId.replace(/^journey-/, ''))) throw new WorkflowExecutionAlreadyStartedError('already started', opts.workflowId, 'journey');
        const input = opts.args[0] as { caseCode: string; province: string; leadAgencyId: string };
        await seedCase(input.caseCode, { province: input.province, leadAgencyId: input.leadAgencyId, policeAgencyId: input.province === 'VN-DN' ? 'dn-police' : input.leadAgencyId });
        if (opts.memo) memos.set(opts.workflowId, opts.memo);
        return { workflowId: opts.workflowId, firstExecutionRunId: `run-${input.caseCode}` };
      },
      getHandle: handle,
    },
    connection: { withDeadline: async (_d: number, fn: () => Promise<unknown>) => fn() },
    workflowService: {
      async getSystemInfo() {
        if (fake.down) throw unavailable();
        return {};
      },
    },
  } as unknown as Client;
  return fake;
}
