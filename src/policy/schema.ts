/**
 * The journey policy: stages, tasks, SLAs and escalation ladders as data. This schema is the
 * contract; the workflow interprets whatever policy it was started with.
 */
import { z } from 'zod';
import { AgencyKind } from '../domain/agencies';
import { ClosureReason, IntakeSource } from '../domain/case';
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

/**
 * A task that places the person in a facility: when it opens, a free place of the case's province
 * (dedicated facilities first, then national ones) is reserved, or the coordinator is told at once
 * that there is none. The place is released at exit: when the case closes, or when `releaseAtStage`
 * begins (the person leaves the shelter for reintegration).
 */
export const PlacementPolicy = z.strictObject({
  facility: z.literal('shelter'),
  releaseAtStage: Key.optional(),
});
export type PlacementPolicy = z.infer<typeof PlacementPolicy>;

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

/**
 * A condition on the case's pseudonymous facts (src/domain/case.ts): every field given must hold.
 * An unknown fact holds no condition on it, except that a case not known to be a child's is an adult's.
 */
export const TaskCondition = z.strictObject({
  /** Who notified the health department: one of these. */
  notifiedBy: z.array(IntakeSource).min(1).optional(),
  /** The case is a child's (true) or an adult's (false). */
  child: z.boolean().optional(),
});
export type TaskCondition = z.infer<typeof TaskCondition>;

export const TaskPolicy = Deadlines.extend({
  key: Key,
  agency: AgencyKind,
  /** 'case': the SLAs count from the case's opening (the notification), as Art. 27 does for verification. */
  clock: z.enum(['task', 'case']).default('task'),
  /** Opened only for cases whose facts meet this condition (a border-guard hand-over, a child's guardian). */
  when: TaskCondition.optional(),
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
  /** A placement: opening the task reserves a place in a facility (absent: not a placement). */
  placement: PlacementPolicy.optional(),
  /** Completing it with an outcome that closes the case asks a manager first (the policy's `closureApproval`). */
  closureNeedsApproval: z.boolean().optional(),
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
  when: z.never().optional(),
  outcomes: z.strictObject({ accepted: z.strictObject({}), refused: z.strictObject({}) }).default({ accepted: {}, refused: {} }),
});
export type TransferAcceptancePolicy = z.infer<typeof TransferAcceptancePolicy>;

/**
 * Four eyes on closure: closing the case (the closeCase action, or completing a task marked
 * `closureNeedsApproval` with an outcome that closes the case) becomes a request, and this task goes to a manager of the lead
 * agency, whose ladder reminds them. Another manager than the requester approves (the case closes)
 * or rejects (the request is withdrawn, the task stays open). Absent: closing is immediate, as in
 * policies written before it existed.
 */
export const ClosureApprovalPolicy = TaskPolicy.extend({
  key: Key.default('closure-approval'),
  agency: z.literal('health_dept').default('health_dept'),
  role: z.literal('manager').default('manager'),
  closureNeedsApproval: z.never().optional(),
  clock: z.literal('task').default('task'),
  onlyIfPlanned: z.literal(false).default(false),
  referableTo: z.array(AgencyKind).max(0).default([]),
  plans: z.never().optional(),
  placement: z.never().optional(),
  outcomes: z.strictObject({ approved: z.strictObject({}), rejected: z.strictObject({}) }).default({ approved: {}, rejected: {} }),
});
export type ClosureApprovalPolicy = z.infer<typeof ClosureApprovalPolicy>;

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
  /**
   * The stage opens together with the one before it instead of after it (verification at
   * notification, alongside reception); the journey goes on when both are done.
   */
  startsWithPrevious: z.boolean().default(false),
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
    closureApproval: ClosureApprovalPolicy.optional(),
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
    p.stages.forEach((stage, s) => {
      if (stage.startsWithPrevious) {
        const previous = p.stages[s - 1];
        if (!previous) issue(['stages', s, 'startsWithPrevious'], 'the first stage has no stage before it to start with');
        // A recurring stage runs its rounds one after another (continue-as-new between them): it overlaps nothing.
        else if (stage.repeat || previous.repeat) issue(['stages', s, 'startsWithPrevious'], 'a recurring stage cannot overlap another');
      }
    });
    const approval = p.closureApproval;
    if (approval) {
      if (!(approval.ladder in p.ladders)) issue(['closureApproval', 'ladder'], `unknown ladder "${approval.ladder}"`);
      if (approval.key === p.transferAcceptance.key) issue(['closureApproval', 'key'], `duplicate task key "${approval.key}"`);
      taskKeys.add(approval.key);
    }
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
      const release = task.placement?.releaseAtStage;
      if (release && !stageKeys.has(release)) issue([...at, 'placement', 'releaseAtStage'], `unknown stage "${release}"`);
      if (task.closureNeedsApproval && !approval) issue([...at, 'closureNeedsApproval'], 'needs the policy\'s closureApproval: who approves, and within which deadlines');
      if (task.closureNeedsApproval && !Object.values(task.outcomes ?? {}).some((o) => o.closesCase)) issue([...at, 'closureNeedsApproval'], 'the task has no outcome that closes the case');
    };
    p.stages.forEach((stage, s) => stage.tasks.forEach((task, t) => checkTask(task, ['stages', s, 'tasks', t])));
    p.outcomeTasks.forEach((task, t) => {
      checkTask(task, ['outcomeTasks', t]);
      // Outside any plan: nothing would ever choose it.
      if (task.onlyIfPlanned) issue(['outcomeTasks', t, 'onlyIfPlanned'], 'a task opened by an outcome is not chosen by a plan');
    });
  });
export type JourneyPolicy = z.infer<typeof JourneyPolicy>;
