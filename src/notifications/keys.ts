/**
 * The deterministic key of one notification: task, phase (with the task's revision once it was
 * replanned, so a restarted ladder notifies afresh), ladder level, channel and recipient, plus the
 * unreachable person a relay is about. Pure: the workflow uses it too.
 */
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
