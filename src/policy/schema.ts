/**
 * The journey policy: stages, tasks, SLAs and escalation ladders as data. This schema is the
 * contract; the workflow interprets whatever policy it was started with.
 */
import { z } from 'zod';
import { AgencyKind } from '../domain/agencies';
import { ClosureReason } from '../domain/case';
import { durationMs } from './duration';
import { Duration, PositiveDuration } from './duration-schema';
import { TaskIndicator } from './indicators';

/** Who a ladder step reaches, resolved against the directory at send time. */
export const RecipientRole = z.enum(['assignee', 'supervisor', 'focal_point', 'coordinator', 'manager']);
export type RecipientRole = z.infer<typeof RecipientRole>;

export const Channel = z.enum(['email', 'sms']);
export type Channel = z.infer<typeof Channel>;

const Text = z.object({ vi: z.string().min(1), en: z.string().min(1) });

export const EscalationStep = z.object({
  /** How long after the missed deadline this step fires. */
  after: Duration,
  notify: z.array(RecipientRole).min(1),
  channels: z.array(Channel).min(1),
  /** Urgent steps ignore quiet hours. */
  urgent: z.boolean().default(false),
});
export type EscalationStep = z.infer<typeof EscalationStep>;

export const EscalationLadder = z
  .object({
    steps: z.array(EscalationStep).min(1),
    /** After the last step, repeat it this often until the task moves on. */
    repeatEvery: PositiveDuration,
    /**
     * How many times the last step repeats; then the ladder falls silent, and the task, still
     * overdue, is left to the daily digest and the managers' view. The default lets policies
     * written before this field existed parse.
     */
    maxRepeats: z.number().int().min(0).max(100).default(3),
  })
  .refine(
    (l) => l.steps.every((s, i) => i === 0 || durationMs(s.after) > durationMs(l.steps[i - 1]!.after)),
    'ladder steps must fire in increasing order of "after"',
  );
export type EscalationLadder = z.infer<typeof EscalationLadder>;

const Key = z.string().regex(/^[a-z][a-z0-9-]*$/, 'lower-case words joined by "-"');

export const Outcome = z.object({
  /** Completing the task with this outcome closes the case with this reason. */
  closesCase: ClosureReason.optional(),
  /** These stages run again (e.g. a failed follow-up check-in reopens support), then the journey goes on. */
  reopens: z.array(Key).min(1).optional(),
  /** Completing the task with this outcome counts toward these programme indicators. */
  counts: z.array(TaskIndicator).optional(),
  /**
   * These tasks (keys of the policy's `outcomeTasks`) open at once, in the stage of the task
   * completed, and the stage waits for them too: a referral to other services, a tracing task, an
   * urgent police task. With `closesCase`, the case closes with that reason once they are done.
   */
  opens: z.array(Key).min(1).optional(),
});

/** SLAs and ladder of a task. */
const Deadlines = z.object({
  title: Text,
  /** Time from the task's creation to acknowledgement, and to completion. */
  acknowledgeWithin: PositiveDuration,
  completeWithin: PositiveDuration,
  ladder: z.string().min(1),
  /** The most all extensions of one task may add together. */
  maxExtension: Duration.default('0s'),
});

export const TaskPolicy = Deadlines.extend({
  key: Key,
  agency: AgencyKind,
  /** 'case': the SLAs count from the case's opening (the notification), as Art. 27 does for verification. */
  clock: z.enum(['task', 'case']).default('task'),
  /** Opened only when a support plan selects it (see `plans`). */
  onlyIfPlanned: z.boolean().default(false),
  /** A referral outside the state system (IOM, NGOs) needs the person's recorded consent. */
  requiresConsent: z.boolean().default(false),
  /**
   * The task belongs to its agency kind: staff hand it on within that kind, and the lead agency may
   * refer it only to these other kinds. None by default, so nobody takes over another agency's work.
   */
  referableTo: z.array(AgencyKind).default([]),
  /** A decision the law gives to this agency kind alone (the police's identification): never referred, never declined back. */
  reserved: z.boolean().default(false),
  /** Completing this task chooses which `onlyIfPlanned` tasks of that stage open. */
  plans: Key.optional(),
  /** When present, completing the task requires one of these outcomes. */
  outcomes: z.record(z.string(), Outcome).optional(),
  /** Completing the task counts toward these programme indicators (src/policy/indicators.ts). */
  counts: z.array(TaskIndicator).optional(),
});
export type TaskPolicy = z.infer<typeof TaskPolicy>;

/**
 * The task with which the receiving province's health department accepts or refuses a transferred
 * case. Its deadlines and ladder are choices; the rest is fixed, because on acceptance that agency
 * becomes the case's lead agency and the workflow reads exactly these two outcomes. The defaults
 * let policies written before these fields existed (running journeys carry them) parse unchanged.
 */
export const TransferAcceptancePolicy = TaskPolicy.extend({
  agency: z.literal('health_dept').default('health_dept'),
  clock: z.literal('task').default('task'),
  onlyIfPlanned: z.literal(false).default(false),
  requiresConsent: z.literal(false).default(false),
  referableTo: z.array(AgencyKind).max(0).default([]),
  plans: z.never().optional(),
  outcomes: z.strictObject({ accepted: z.strictObject({}), refused: z.strictObject({}) }).default({ accepted: {}, refused: {} }),
});
export type TransferAcceptancePolicy = z.infer<typeof TransferAcceptancePolicy>;

export const StagePolicy = z.object({
  key: Key,
  title: Text,
  tasks: z.array(TaskPolicy).min(1),
  /** A stage that recurs, e.g. monthly follow-up check-ins for a year. */
  repeat: z
    .object({
      every: PositiveDuration,
      times: z.number().int().min(1).max(60),
      /**
       * The bounds within which a case's own number of rounds may be set (DOMAIN.md: 6–12 months of
       * follow-up). Without them `times` is fixed; they must hold `times`.
       */
      minTimes: z.number().int().min(1).max(60).optional(),
      maxTimes: z.number().int().min(1).max(60).optional(),
    })
    .refine((r) => (r.minTimes ?? r.times) <= r.times && r.times <= (r.maxTimes ?? r.times), { message: 'minTimes ≤ times ≤ maxTimes', path: ['times'] })
    .optional(),
});
export type StagePolicy = z.infer<typeof StagePolicy>;

export const JourneyPolicy = z
  .object({
    id: z.string().min(1),
    version: z.number().int().positive(),
    stages: z.array(StagePolicy).min(1),
    ladders: z.record(z.string(), EscalationLadder),
    transferAcceptance: TransferAcceptancePolicy,
    /**
     * Agency kinds outside the state system (IOM and NGOs are `ngo`): no task reaches one, by a plan
     * or by a referral, before the person's consent is recorded. Defaulted for policies written before.
     */
    consentRequiredFor: z.array(AgencyKind).default(['ngo']),
    /**
     * Tasks outside the sequence of stages, opened only by an outcome's `opens` (a referral after
     * "not a victim", tracing after lost contact). Defaulted for policies written before.
     */
    outcomeTasks: z.array(TaskPolicy).default([]),
  })
  .superRefine((p, ctx) => {
    const stageKeys = new Set(p.stages.map((s) => s.key));
    const taskKeys = new Set<string>([p.transferAcceptance.key]);
    const issue = (path: PropertyKey[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    if (!(p.transferAcceptance.ladder in p.ladders)) issue(['transferAcceptance', 'ladder'], `unknown ladder "${p.transferAcceptance.ladder}"`);
    const outcomeTaskKeys = new Set(p.outcomeTasks.map((t) => t.key));
    const checkTask = (task: TaskPolicy, at: PropertyKey[]) => {
      if (taskKeys.has(task.key)) issue([...at, 'key'], `duplicate task key "${task.key}"`);
      taskKeys.add(task.key);
      if (!(task.ladder in p.ladders)) issue([...at, 'ladder'], `unknown ladder "${task.ladder}"`);
      if (task.reserved && task.referableTo.length > 0) issue([...at, 'referableTo'], 'a reserved decision cannot be referred');
      if (task.plans && !p.stages.some((other) => other.key === task.plans && other.tasks.some((x) => x.onlyIfPlanned))) {
        issue([...at, 'plans'], `"${task.plans}" is not a stage with tasks opened only if planned`);
      }
      Object.entries(task.outcomes ?? {}).forEach(([name, outcome]) => {
        outcome.reopens?.forEach((key) => stageKeys.has(key) || issue([...at, 'outcomes', name, 'reopens'], `unknown stage "${key}"`));
        outcome.opens?.forEach((key) => outcomeTaskKeys.has(key) || issue([...at, 'outcomes', name, 'opens'], `unknown task "${key}": name one of outcomeTasks`));
      });
    };
    p.stages.forEach((stage, s) => stage.tasks.forEach((task, t) => checkTask(task, ['stages', s, 'tasks', t])));
    p.outcomeTasks.forEach((task, t) => {
      checkTask(task, ['outcomeTasks', t]);
      // Outside any plan: nothing would ever choose it.
      if (task.onlyIfPlanned) issue(['outcomeTasks', t, 'onlyIfPlanned'], 'a task opened by an outcome is not chosen by a plan');
    });
  });
export type JourneyPolicy = z.infer<typeof JourneyPolicy>;
