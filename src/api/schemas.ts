/**
 * Schemas more than one route uses: the case and task path parameters, and the response bodies
 * (the OpenAPI document's response schemas and, in the contract tests, what every response is
 * checked against). Objects from the journey are loose (new fields may appear); their documented
 * fields must be there.
 */
import { z } from 'zod';
import { CaseCode, ClosureReason, IntakeSource } from '../domain/case';
import { RecordedTask } from '../journey/task';

export const CaseParams = z.strictObject({ code: CaseCode });
export const TaskKey = z.string().regex(/^[a-z][a-z0-9-]{0,63}(\.[1-9][0-9]{0,3})?$/, 'a task key such as "reception" (or "follow-up-check-in.2")');
export const TaskParams = z.strictObject({ code: CaseParams.shape.code, taskKey: TaskKey });

const Iso = z.string().describe('ISO 8601 date-time');
const Title = z.object({ vi: z.string(), en: z.string() });

export const CaseStarted = z.object({
  caseCode: z.string(),
  workflowId: z.string(),
  runId: z.string(),
});

/** A task as the journey shows it (src/journey/task.ts); the timer bookkeeping is left out of the docs. */
export const TaskView = RecordedTask.loose();

export const HistoryView = z.looseObject({
  at: Iso,
  action: z.string(),
  taskId: z.string().optional(),
  by: z.string().optional().describe('staff id'),
  detail: z.string().optional(),
});

const ConsentGiven = z.enum(['person', 'guardian', 'legal_representative']).describe("Who gave it: for a child's case a guardian or legal representative; absent in consents recorded before it was asked (the person)");
const ConsentPartView = z.looseObject({ given: z.boolean(), at: Iso, by: z.string().describe('The staff member who recorded it'), givenBy: ConsentGiven.optional() });
export const ConsentView = z.looseObject({
  given: z.boolean().describe('Consent as a whole; withdrawn, the case closes'),
  at: Iso.optional(),
  by: z.string().optional(),
  givenBy: ConsentGiven.optional(),
  sharing: ConsentPartView.optional().describe('Consent to share with organisations outside the state system (IOM, NGOs); when absent, consent as a whole stands for it'),
  services: z.record(z.string(), ConsentPartView).optional().describe('Consent to receive each service, by task key; a service is given unless its consent was withdrawn'),
});
export const CaseView = z.looseObject({
  caseCode: z.string(),
  province: z.string(),
  leadAgencyId: z.string(),
  policy: z.object({ id: z.string(), version: z.number().int() }),
  stage: z.string(),
  status: z.enum(['active', 'closed']),
  openedAt: Iso,
  closedAt: Iso.optional(),
  closureReason: ClosureReason.optional(),
  facts: z
    .looseObject({
      notifiedAt: Iso.optional().describe("When the health department was notified: Art. 27's 3 days count from here"),
      notifiedBy: IntakeSource.optional(),
      child: z.boolean().optional(),
      familyId: z.string().optional().describe('Shared by the cases of one family opened together'),
    })
    .optional()
    .describe('Pseudonymous intake facts; absent for cases opened before they were recorded'),
  closureRequest: z
    .looseObject({ reason: ClosureReason, requestedBy: z.string().describe('staff id'), requestedAt: Iso, approvalTaskId: z.string(), taskId: z.string().optional() })
    .optional()
    .describe("A closure waiting for a manager's approval"),
  consent: ConsentView.optional().describe('Absent once the journey is kept only in the database'),
  referrals: z
    .record(z.string(), z.looseObject({ toAgencyId: z.string(), status: z.enum(['pending', 'accepted']) }))
    .optional()
    .describe('Tasks referred to another agency, by task id, until declined or revoked'),
  repeatTimes: z.record(z.string(), z.number().int()).optional().describe("This case's own number of rounds of a recurring stage (follow-up)"),
  tasks: z.array(TaskView),
  history: z.array(HistoryView),
  familyCases: z.array(z.string()).describe('Codes of the other cases of the same family (opened together), oldest first'),
  hasPersonalData: z.boolean().describe('Whether personal data is on file (read it at /cases/{code}/personal-data)'),
});

export const CaseListItem = z.object({
  caseCode: z.string(),
  province: z.string(),
  leadAgencyId: z.string(),
  stage: z.string(),
  status: z.string(),
  openedAt: Iso,
  closedAt: Iso.nullable(),
  closureReason: z.string().nullable(),
  openTasks: z.number().int(),
  overdueTasks: z.number().int(),
  nextDeadline: Iso.nullable(),
});
export const CaseList = z.object({ items: z.array(CaseListItem), nextCursor: z.string().nullable() });

export const MyTask = z.object({
  taskId: z.string(),
  caseCode: z.string(),
  taskKey: z.string().describe('The key in this task\'s action paths (/cases/{code}/tasks/{taskKey}/…): the policy\'s task key, with ".<n>" for a later round'),
  stage: z.string(),
  title: Title.nullable(),
  agencyId: z.string(),
  assigneeId: z.string().nullable(),
  status: z.string(),
  acknowledgeDueAt: Iso,
  completeDueAt: Iso,
  escalationLevel: z.number().int(),
  overdue: z.boolean(),
});
export const MyTasks = z.object({ items: z.array(MyTask) });

export const ClosedView = z.looseObject({
  status: z.enum(['active', 'closed']),
  closureReason: ClosureReason.optional(),
  closureRequested: z.boolean().optional().describe("true: the policy needs a manager's approval; the case stays active until then"),
});
export const FollowUpLengthView = z.object({ stage: z.string(), times: z.number().int() });
export const PolicyRef = z.looseObject({ id: z.string(), version: z.number().int() });

export const NoteCreated = z.object({ noteId: z.string(), task: TaskView });
export const Notes = z.object({
  items: z.array(z.object({ id: z.string(), taskId: z.string(), staffId: z.string(), agencyId: z.string(), createdAt: Iso, text: z.string() })),
});

export const Health = z.object({ status: z.literal('ok') });
export const Readiness = z.object({
  status: z.enum(['ready', 'not-ready']),
  checks: z.object({
    temporal: z.object({ ok: z.boolean(), ms: z.number(), error: z.string().optional() }),
    database: z.object({ ok: z.boolean(), ms: z.number(), error: z.string().optional() }),
  }),
});
