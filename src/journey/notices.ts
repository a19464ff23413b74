/**
 * What the journey asks the notification activity to deliver for one ladder step, what it gets
 * back, and the deterministic key of one notification: task, phase (with the task's revision once it was
 * replanned, so a restarted ladder notifies afresh), ladder level, channel and recipient, plus the
 * unreachable person a relay is about. Pure: the workflow uses it too.
 */
import type { Channel, EscalationStep, RecipientRole } from '../policy/schema';
import type { EscalationPhase, TaskState } from './definitions';

export interface EscalationNotice {
  caseCode: string;
  task: TaskState;
  phase: EscalationPhase;
  level: number;
  step: EscalationStep;
  /** Who is told when a recipient cannot be reached on any channel: the next ladder step's roles. */
  relayTo?: RecipientRole[];
  /** Send at once even in quiet hours (an urgent step, the final ladder level). Default: step.urgent. */
  urgent?: boolean;
  /** The workflow's clock when it asked: quiet hours are judged at this instant. Default: now. */
  at?: string;
  /**
   * Not a ladder step (level 0): the coordinator is told at once that no facility has a free place,
   * or a manager that a closure waits for their approval.
   */
  purpose?: NoticePurpose;
}

export type NoticePurpose = 'no-free-place' | 'closure-approval';

export interface EscalationReport {
  /** Messages handed to a provider by this call. */
  sent: number;
  /** Messages that an earlier call had already sent (or that were adopted from the provider). */
  alreadySent: number;
  failed: { recipientId: string; channel: Channel; reason: string }[];
  deferred: { recipientId: string; until: string }[];
  /** The earliest end of a quiet period: ask again then. */
  deferUntil?: string;
  relayed: { aboutRecipientId: string; recipientId: string }[];
  /** People nobody could be told about: every channel and every relay failed. */
  unreached: { recipientId: string; reasons: string[] }[];
}

export interface KeyedStep {
  task: { id: string; revision?: number };
  phase: 'acknowledge' | 'complete';
  level: number;
}

/** "case/task:phase[@revision]:level:" — every message of one ladder step starts with it. */
export function stepKeyPrefix(step: KeyedStep): string {
  const phase = step.task.revision ? `${step.phase}@${step.task.revision}` : step.phase;
  return `${step.task.id}:${phase}:${step.level}:`;
}

export function notificationId(step: KeyedStep, channel: 'email' | 'sms', recipientId: string, aboutRecipientId?: string): string {
  return `${stepKeyPrefix(step)}${[channel, recipientId, ...(aboutRecipientId ? ['relay', aboutRecipientId] : [])].join(':')}`;
}
