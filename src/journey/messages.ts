/**
 * The journey workflow's messages: its updates, query and signals, and the reasons an update is
 * refused. Free of zod on purpose: the workflow imports these at every start, while the payload
 * schemas (definitions.ts, which re-exports all of this) load only when an update needs them.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type {
  AcknowledgeTask,
  AddNote,
  ApproveClosure,
  ChangePolicy,
  ChoosePlacement,
  CloseCase,
  CompleteTask,
  DeclineReferral,
  EscalationPhase,
  ExtendDeadline,
  JourneyState,
  ReassignTask,
  AcceptReferral,
  RecordConsent,
  RejectClosure,
  RecordConsentPart,
  RevokeReferral,
  SetFollowUpLength,
  TransferCase,
  WithdrawConsent,
  WithdrawConsentPart,
} from './definitions';
import type { TaskState } from './task';

export const JOURNEY_WORKFLOW = 'journey';
export const journeyWorkflowId = (caseCode: string) => `journey-${caseCode}`;

export const acknowledgeTaskUpdate = defineUpdate<TaskState, [AcknowledgeTask]>('acknowledgeTask');
export const completeTaskUpdate = defineUpdate<TaskState, [CompleteTask]>('completeTask');
export const addNoteUpdate = defineUpdate<TaskState, [AddNote]>('addNote');
export const extendDeadlineUpdate = defineUpdate<TaskState, [ExtendDeadline]>('extendDeadline');
export const reassignTaskUpdate = defineUpdate<TaskState, [ReassignTask]>('reassignTask');
export const declineReferralUpdate = defineUpdate<TaskState, [DeclineReferral]>('declineReferral');
export const transferCaseUpdate = defineUpdate<TaskState, [TransferCase]>('transferCase');
export const recordConsentUpdate = defineUpdate<JourneyState['consent'], [RecordConsent]>('recordConsent');
export const withdrawConsentUpdate = defineUpdate<JourneyState['consent'], [WithdrawConsent]>('withdrawConsent');
/** With a `closureApproval` policy the case stays active and `closureRequested` is true until a manager decides. */
export const closeCaseUpdate = defineUpdate<Pick<JourneyState, 'status' | 'closureReason'> & { closureRequested?: boolean }, [CloseCase]>('closeCase');
export const choosePlacementUpdate = defineUpdate<{ taskId: string; status: 'reserved' }, [ChoosePlacement]>('choosePlacement');
export const approveClosureUpdate = defineUpdate<Pick<JourneyState, 'status' | 'closureReason'>, [ApproveClosure]>('approveClosure');
export const rejectClosureUpdate = defineUpdate<Pick<JourneyState, 'status' | 'closureReason'>, [RejectClosure]>('rejectClosure');
export const recordConsentPartUpdate = defineUpdate<JourneyState['consent'], [RecordConsentPart]>('recordConsentPart');
export const withdrawConsentPartUpdate = defineUpdate<JourneyState['consent'], [WithdrawConsentPart]>('withdrawConsentPart');
export const setFollowUpLengthUpdate = defineUpdate<{ stage: string; times: number }, [SetFollowUpLength]>('setFollowUpLength');
export const acceptReferralUpdate = defineUpdate<TaskState, [AcceptReferral]>('acceptReferral');
export const revokeReferralUpdate = defineUpdate<TaskState, [RevokeReferral]>('revokeReferral');
export const changePolicyUpdate = defineUpdate<JourneyState['policy'], [ChangePolicy]>('changePolicy');
export const journeyStateQuery = defineQuery<JourneyState>('journeyState');
/** Answers once the journey's first tasks are in the database, so a start can answer when they can be acted on. */
export const firstTasksRecordedUpdate = defineUpdate<void, []>('firstTasksRecorded');

/** Reasons an update is refused; the API turns these `type`s into 4xx answers. */
export const TaskRejection = {
  notFound: 'TaskNotFound',
  wrongAgency: 'TaskOfAnotherAgency',
  notLeadAgency: 'NotLeadAgency',
  alreadyDone: 'TaskAlreadyDone',
  alreadyAcknowledged: 'TaskAlreadyAcknowledged',
  invalidOutcome: 'InvalidOutcome',
  invalidPlan: 'InvalidPlan',
  consentRequired: 'ConsentRequired',
  guardianRequired: 'GuardianConsentRequired',
  extensionTooLong: 'ExtensionExceedsCap',
  notAReferral: 'NotAReferral',
  referralAccepted: 'ReferralAlreadyAccepted',
  outOfBounds: 'OutsidePolicyBounds',
  transferPending: 'TransferPending',
  sameProvince: 'SameProvince',
  policyNotNewer: 'PolicyNotNewer',
  invalidInput: 'InvalidInput',
  caseClosed: 'CaseClosed',
  closurePending: 'ClosurePending',
  noClosureRequest: 'NoClosureRequest',
  /** Four eyes: the person who asked for the closure may not approve it. */
  sameApprover: 'SameApprover',
  notAPlacement: 'NotAPlacement',
  noFreePlace: 'NoFreePlace',
  facilityUnavailable: 'FacilityUnavailable',
} as const;

/**
 * Sent by the SMS status webhook when a message the provider had accepted ended undelivered or
 * failed: the journey re-runs that ladder step, which falls back to the other channel and, when
 * every channel of that person failed, tells the next person on the ladder. Ids only.
 */
export interface NotificationFailed {
  notificationId: string;
  taskId: string;
  phase: EscalationPhase;
  level: number;
  recipientId: string;
  channel: 'email' | 'sms';
  reason: string;
}
export const notificationFailedSignal = defineSignal<[NotificationFailed]>('notificationFailed');
