/**
 * How a journey sends its ladder steps: the step's first delivery is awaited (as the ladder always
 * did), a step that met a recipient's quiet hours is sent again when they end (unless the task moved
 * on meanwhile), and an SMS reported undelivered re-runs its step so it falls back. Re-running a step
 * is safe: every message has its own key and is sent once (src/notifications/delivery.ts), so the
 * activity only sends what is still missing. Deterministic: timers and activities only.
 */
import { ActivityFailure, condition, log, patched, setHandler } from '@temporalio/workflow';
import type { EscalationNotice, EscalationReport } from '../journey/notices';
import { stepKeyPrefix } from '../journey/notices';
import { escalationStep, isUrgentStep } from '../policy/ladder';
import type { EscalationLadder, EscalationStep } from '../policy/schema';
import { notificationFailedSignal } from '../journey/messages';
import type { EscalationPhase, NotificationFailed, TaskState } from '../journey/definitions';
import { fill, words } from '../journey/summaries';
import { notifyEscalation, notifyEscalationHeartbeating } from './activities-proxy';

/** Since this patch a send heartbeats, so a worker that died mid-send is noticed in seconds. */
const NOTIFY_HEARTBEAT = 'notify-heartbeat';

/** What the notifier needs from the journey (Journey in journey-state.ts has it). */
export interface NotifierJourney {
  readonly active: boolean;
  readonly state: { caseCode: string; tasks: TaskState[] };
  ladderOf(task: TaskState): EscalationLadder;
}

export class Notifier {
  /** One delivery of a step at a time, in order. */
  private readonly queues = new Map<string, Promise<unknown>>();
  /** Steps with a wake-up for the end of quiet hours already pending. */
  private readonly waiting = new Set<string>();
  /** Each step as it fired (a late step tells the people of the steps it passed over too), for its fallback. */
  private readonly fired = new Map<string, EscalationStep>();

  constructor(private readonly j: NotifierJourney) {}

  /** Sends ladder step `level` of `task` now; recipients in quiet hours get it when their quiet hours end. */
  async escalate(task: TaskState, phase: EscalationPhase, level: number, step: EscalationStep): Promise<void> {
    const notice = this.notice(task, phase, level, step);
    this.fired.set(stepKey(notice), step);
    const report = await this.send(notice);
    if (report?.deferUntil) void this.resendAt(notice, report.deferUntil);
  }

  /** The webhook saw a sent SMS fail: re-run its step (fallback, then the next person), unless the task moved on. */
  failed(signal: NotificationFailed): void {
    const task = this.j.state.tasks.find((t) => t.id === signal.taskId);
    if (!task || !this.j.active) return;
    const fired = this.fired.get(stepKeyPrefix({ task, phase: signal.phase, level: signal.level }));
    const notice = this.notice(task, signal.phase, signal.level, fired ?? escalationStep(this.j.ladderOf(task), signal.level));
    // A message of an earlier plan of the task (before a reassignment or extension) needs no fallback.
    if (!signal.notificationId.startsWith(stepKeyPrefix(notice)) || this.settled(notice)) return;
    void this.send(notice).then(async (report) => {
      if (report?.deferUntil) await this.resendAt(notice, report.deferUntil);
    });
  }

  private notice(task: TaskState, phase: EscalationPhase, level: number, step: EscalationStep): EscalationNotice {
    const ladder = this.j.ladderOf(task);
    return {
      caseCode: this.j.state.caseCode,
      // A snapshot: the notice describes the step as it fired.
      task: { ...task },
      phase,
      level,
      step,
      relayTo: escalationStep(ladder, level + 1).notify,
      urgent: isUrgentStep(ladder, level, step),
    };
  }

  /** The step no longer needs anyone: the phase is over, the task was replanned, or the case closed. */
  private settled(notice: EscalationNotice): boolean {
    const task = this.j.state.tasks.find((t) => t.id === notice.task.id);
    if (!task || !this.j.active || task.revision !== notice.task.revision) return true;
    if (task.status === 'done' || task.status === 'cancelled') return true;
    return notice.phase === 'acknowledge' && task.status !== 'open';
  }

  private send(notice: EscalationNotice): Promise<EscalationReport | undefined> {
    const key = stepKey(notice);
    const previous = this.queues.get(key) ?? Promise.resolve();
    const run = previous.then(async () => {
      try {
        // The summary is what the Web UI shows on the activity: ids and roles only.
        const summary = fill('escalate', { roles: notice.step.notify.map(words).join(', '), task: notice.task.key, level: notice.level });
        const notify = patched(NOTIFY_HEARTBEAT) ? notifyEscalationHeartbeating : notifyEscalation;
        return await notify.executeWithOptions({ summary }, [{ ...notice, at: new Date(Date.now()).toISOString() }]);
      } catch (error) {
        // Only a non-retryable failure (a bug, a case missing from the database) lands here: the
        // journey must go on, and its ladder keeps climbing to the next people.
        if (!(error instanceof ActivityFailure)) throw error;
        log.error('notification step failed', { step: key, error: error.cause?.message ?? error.message });
        return undefined;
      }
    });
    this.queues.set(key, run);
    return run;
  }

  private async resendAt(notice: EscalationNotice, until: string): Promise<void> {
    const key = stepKey(notice);
    if (this.waiting.has(key)) return;
    this.waiting.add(key);
    try {
      let wakeAt = until;
      for (;;) {
        if (await condition(() => this.settled(notice), Math.max(1, Date.parse(wakeAt) - Date.now()))) return;
        const report = await this.send(notice);
        if (!report?.deferUntil) return;
        wakeAt = report.deferUntil;
      }
    } finally {
      this.waiting.delete(key);
    }
  }
}

const stepKey = (n: EscalationNotice) => stepKeyPrefix(n);

/** The journey's notifier, with the handler for the webhook's `notificationFailed` signal. */
export function registerNotifier(j: NotifierJourney): Notifier {
  const notifier = new Notifier(j);
  setHandler(notificationFailedSignal, (signal) => notifier.failed(signal));
  return notifier;
}
