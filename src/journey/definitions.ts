/**
 * The journey workflow's contract, shared by the workflow, the worker and the API:
 * input, state, staff actions (updates) and the state query. Payloads are zod schemas.
 * Nothing here may carry personal data: it all lands in Temporal's history.
 */
import { z } from 'zod';
import { AgencyKind } from '../domain/agencies';
import { CaseCode, CaseFacts, ClosureReason } from '../domain/case';
import { ProvinceCode } from '../domain/provinces';
import { Duration } from '../policy/duration-schema';
import { JourneyPolicy } from '../policy/schema';
import type { TaskState } from './task';

export { RecordedTask, TaskState, TaskStatus } from './task';
// The workflow's messages (updates, queries, signals) and refusals, importable without zod.
export * from './messages';


export const OpenCase = z.strictObject({
  caseCode: CaseCode,
  province: ProvinceCode,
  leadAgencyId: z.string().min(1).max(64),
  /** Pseudonymous facts the policy's conditions and Art. 27's clock read; absent in journeys started before. */
  facts: CaseFacts.optional(),
});
export type OpenCase = z.infer<typeof OpenCase>;

/** Where a journey stands in its policy: carried over continue-as-new. */
export interface JourneyPosition {
  stage: string;
  round: number;
  /** A recurring stage's next round opens no earlier than this. */
  notBefore?: string;
}

/**
 * Names one stored policy body (src/db/policy-bodies.ts): the digest pins its content, so a later
 * edit of the policy never changes a journey that started with it.
 */
export const PolicyRef = z.strictObject({
  id: z.string().min(1),
  version: z.number().int().positive(),
  digest: z.string().regex(/^sha256:[0-9a-f]{64}$/),
});
export type PolicyRef = z.infer<typeof PolicyRef>;

/** A policy whose body is stored: what starts a journey. */
export interface StoredPolicy {
  ref: PolicyRef;
  body: JourneyPolicy;
}

interface JourneyStart extends OpenCase {
  /** Set when a run continues as new: the state and position it carries over. */
  resume?: { state: JourneyState; position: JourneyPosition };
}

/**
 * New journeys carry a reference to their policy and resolve its body once per run; journeys
 * started before (and runs continued from them) carry the whole policy in their input.
 */
export type JourneyInput = JourneyStart & ({ policyRef: PolicyRef; policy?: undefined } | { policy: JourneyPolicy; policyRef?: undefined });

export type EscalationPhase = 'acknowledge' | 'complete';

/** A task as the journey drafts it, before the directory places it with an agency and a person. */
export type TaskDraft = Pick<TaskState, 'id' | 'key' | 'stage' | 'title' | 'createdAt' | 'acknowledgeDueAt' | 'completeDueAt'>;
export interface Placement {
  agencyId: string;
  assigneeId: string | null;
}

export const HistoryAction = z.enum([
  'case-opened',
  'stage-started',
  'task-opened',
  'acknowledged',
  'completed',
  'escalated',
  'note-added',
  'deadline-extended',
  'reassigned',
  'referral-declined',
  'referral-accepted',
  'referral-revoked',
  'consent-recorded',
  'consent-withdrawn',
  'consent-part-recorded',
  'consent-part-withdrawn',
  'follow-up-length-set',
  'transfer-requested',
  'transfer-accepted',
  'transfer-refused',
  'policy-changed',
  'task-cancelled',
  'case-closed',
  'place-reserved',
  'no-free-place',
  'place-chosen',
  'places-released',
  'closure-requested',
  'closure-approved',
  'closure-rejected',
]);

export interface HistoryEntry {
  seq: number;
  at: string;
  action: z.infer<typeof HistoryAction>;
  taskId?: string;
  by?: string;
  detail?: string;
}

export interface JourneyState {
  caseCode: string;
  province: string;
  leadAgencyId: string;
  policy: { id: string; version: number };
  stage: string;
  /** When the current stage (or round) started; absent in journeys recorded before it was kept. */
  stageStartedAt?: string;
  /** Round of a recurring stage (follow-up check-ins), from 0. */
  round: number;
  status: 'active' | 'closed';
  openedAt: string;
  /** The case's pseudonymous facts (notification, source, child, family); absent in journeys started before. */
  facts?: CaseFacts;
  closedAt?: string;
  closureReason?: ClosureReason;
  /**
   * The person's consent as a whole (`given`: what journeys recorded before consent had parts
   * kept, and still the base), and its parts, each recorded or withdrawn on its own: sharing
   * with organisations outside the state system, and receiving each service (by task key).
   */
  consent: Consent;
  /** Tasks the lead agency referred to another agency, by task id, until declined or revoked. */
  referrals?: Record<string, Referral>;
  /** A case's own number of rounds of a recurring stage (by stage key), within the policy's bounds. */
  repeatTimes?: Record<string, number>;
  /** Set by an outcome that opens tasks and then closes the case: the reason it closes with once they are done. */
  closingAfterOpened?: ClosureReason;
  /** Services the support plan chose (task keys). */
  plan: string[];
  transfer?: { toProvince: string; taskId: string; status: 'pending' | 'accepted' | 'refused' };
  /** A closure waiting for a manager's approval (policy `closureApproval`). */
  closureRequest?: ClosureRequest;
  tasks: TaskState[];
  history: HistoryEntry[];
}

/**
 * Asked by `requestedBy` (the closeCase action, or completing `taskId` with `outcome`); the manager
 * decides on `approvalTaskId`.
 */
export interface ClosureRequest {
  reason: ClosureReason;
  requestedBy: string;
  requestedAt: string;
  approvalTaskId: string;
  taskId?: string;
  outcome?: string;
}

/** Who gave a consent: for a child's case, a guardian or legal representative (never the child alone). */
export const ConsentGiver = z.enum(['person', 'guardian', 'legal_representative']);
export type ConsentGiver = z.infer<typeof ConsentGiver>;

export interface ConsentPart {
  given: boolean;
  at: string;
  /** The staff member who recorded it. */
  by: string;
  givenBy?: ConsentGiver;
}

export interface Consent {
  given: boolean;
  at?: string;
  by?: string;
  /** Absent in consents recorded before it was asked: the person. */
  givenBy?: ConsentGiver;
  sharing?: ConsentPart;
  services?: Record<string, ConsentPart>;
}

export interface Referral {
  /** Who held the task before: where a revoked referral returns. Absent when the policy placed it there. */
  from?: Placement;
  toAgencyId: string;
  toAgencyKind: z.infer<typeof AgencyKind>;
  status: 'pending' | 'accepted';
  at: string;
  by: string;
}

/** The case's row as the journey reports it on every sync. */
export type CaseSummary = Pick<JourneyState, 'caseCode' | 'province' | 'leadAgencyId' | 'policy' | 'stage' | 'status' | 'openedAt' | 'closedAt' | 'closureReason' | 'facts'>;

/** What changed since the last sync, written to the database by one activity. */
export interface JourneyChanges {
  summary: CaseSummary;
  tasks: TaskState[];
  history: HistoryEntry[];
}

const Actor = { staffId: z.string().min(1).max(64), agencyId: z.string().min(1).max(64) };
const TaskActor = { taskId: z.string().min(1).max(200), ...Actor };

export const ExtensionReason = z.enum(['waiting_for_documents', 'person_unavailable', 'medical_reasons', 'interpreter_needed', 'capacity', 'other']);
export const DeclineReason = z.enum(['no_capacity', 'not_competent', 'conflict_of_interest', 'person_refused', 'other']);
/** Why a support plan chooses no service at all: a code, never free text (history holds no personal data). */
export const NoServicesReason = z.enum(['person_declined', 'needs_met_elsewhere', 'no_needs_found', 'other']);
export const TransferReason = z.enum(['person_moved', 'family_location', 'safety', 'service_availability', 'other']);

export const AcknowledgeTask = z.strictObject(TaskActor);
export const CompleteTask = z.strictObject({
  ...TaskActor,
  outcome: z.string().min(1).max(64).optional(),
  /** For a planning task: the services (task keys) the plan chooses. */
  plan: z.array(z.string().min(1).max(64)).max(30).optional(),
  /** For a planning task whose plan is empty: why no service is needed. */
  noServicesReason: NoServicesReason.optional(),
});
/** The note's text stays in the database; the journey keeps only its id. */
export const AddNote = z.strictObject({ ...TaskActor, noteId: z.string().min(1).max(64) });
export const ExtendDeadline = z.strictObject({ ...TaskActor, extendBy: Duration, reason: ExtensionReason });
/** Staff of the owning agency hand a task to a colleague; the lead agency may refer it to another agency. */
export const ReassignTask = z.strictObject({
  ...TaskActor,
  toStaffId: z.string().min(1).max(64),
  toAgencyId: z.string().min(1).max(64),
  /** The receiving agency's kind, from the directory: needed to move a task to another agency (optional only for updates recorded before). */
  toAgencyKind: AgencyKind.optional(),
});
export const DeclineReferral = z.strictObject({ ...TaskActor, reason: DeclineReason });
export const TransferCase = z.strictObject({ ...Actor, toProvince: ProvinceCode, reason: TransferReason });
/** `givenBy` may be left out by callers from before it was asked (the person); a child's case needs it. */
export const RecordConsent = z.strictObject({ ...Actor, givenBy: ConsentGiver.optional() });
export const WithdrawConsent = z.strictObject(Actor);
const ServiceKey = z.string().regex(/^[a-z][a-z0-9-]*$/).max(64);
/** One part of consent: sharing with other organisations, or receiving one service (`service`: a task key of the policy). */
const Part = { part: z.enum(['sharing', 'service']), service: ServiceKey.optional() };
export const RecordConsentPart = z.strictObject({ ...Actor, ...Part, givenBy: ConsentGiver.optional() });
export const WithdrawConsentPart = z.strictObject({ ...Actor, ...Part });
/** A case's own number of rounds of a recurring stage (default: its first). */
export const SetFollowUpLength = z.strictObject({ ...Actor, stage: ServiceKey.optional(), times: z.number().int().min(1).max(60) });
/** The receiving agency takes a referred task on; the lead agency takes one back. */
export const AcceptReferral = z.strictObject(TaskActor);
export const RevokeReferral = z.strictObject(TaskActor);

export const CloseCase = z.strictObject({ ...Actor, reason: ClosureReason });
/** The coordinator puts a placement task's place in this facility (a directory id, never the person). */
export const ChoosePlacement = z.strictObject({ ...TaskActor, facilityId: z.string().regex(/^[a-z0-9][a-z0-9-]{1,63}$/) });
export const ClosureRejectionReason = z.enum(['support_not_finished', 'wrong_reason', 'follow_up_needed', 'other']);
/** A manager's decision on a closure request: approving closes the case, rejecting withdraws the request. */
export const ApproveClosure = z.strictObject(Actor);
export const RejectClosure = z.strictObject({ ...Actor, reason: ClosureRejectionReason });
/** `policyRef`, when the body is stored, is what later runs of the journey (continue-as-new) carry instead of the body. */
export const ChangePolicy = z.strictObject({ ...Actor, policy: JourneyPolicy, policyRef: PolicyRef.optional() });

export type AcknowledgeTask = z.infer<typeof AcknowledgeTask>;
export type CompleteTask = z.infer<typeof CompleteTask>;
export type AddNote = z.infer<typeof AddNote>;
export type ExtendDeadline = z.infer<typeof ExtendDeadline>;
export type ReassignTask = z.infer<typeof ReassignTask>;
export type DeclineReferral = z.infer<typeof DeclineReferral>;
export type TransferCase = z.infer<typeof TransferCase>;
export type RecordConsent = z.infer<typeof RecordConsent>;
export type RecordConsentPart = z.infer<typeof RecordConsentPart>;
export type WithdrawConsentPart = z.infer<typeof WithdrawConsentPart>;
export type SetFollowUpLength = z.infer<typeof SetFollowUpLength>;
export type AcceptReferral = z.infer<typeof AcceptReferral>;
export type RevokeReferral = z.infer<typeof RevokeReferral>;
export type WithdrawConsent = z.infer<typeof WithdrawConsent>;
export type CloseCase = z.infer<typeof CloseCase>;
export type ChoosePlacement = z.infer<typeof ChoosePlacement>;
export type ApproveClosure = z.infer<typeof ApproveClosure>;
export type RejectClosure = z.infer<typeof RejectClosure>;
export type ChangePolicy = z.input<typeof ChangePolicy>;
