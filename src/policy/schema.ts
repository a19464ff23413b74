/**
 * The journey policy: stages, tasks, SLAs and escalation ladders as data. This schema is the
 * contract; the workflow interprets whatever policy it was started with.
 */
import { z } from 'zod';
import { AgencyKind } from '../domain/agencies';
import { ClosureReason } from '../domain/case';
import { Duration, PositiveDuration, durationMs } from './duration';

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
  })
  .refine(
    (l) => l.steps.every((s, i) => i === 0 || durationMs(s.after) > durationMs(l.steps[i - 1]!.after)),
    'ladder steps must fire in increasing order of "after"',
  );
export type EscalationLadder = z.infer<typeof EscalationLadder>;

export const TaskPolicy = z.object({
  key: z.string().regex(/^[a-z][a-z0-9-]*$/, 'lower-case words joined by "-"'),
  title: Text,
  agency: AgencyKind,
  required: z.boolean().default(true),
  /** Time from the task's creation to acknowledgement, and to completion. */
  acknowledgeWithin: PositiveDuration,
  completeWithin: PositiveDuration,
  /** 'case': the SLAs count from the case's opening (the notification), as Art. 27 does for verification. */
  clock: z.enum(['task', 'case']).default('task'),
  ladder: z.string().min(1),
  /** When present, completing the task requires one of these outcomes; some close the case. */
  outcomes: z.record(z.string(), z.object({ closesCase: ClosureReason.optional() })).optional(),
});
export type TaskPolicy = z.infer<typeof TaskPolicy>;

export const StagePolicy = z.object({
  key: z.string().regex(/^[a-z][a-z0-9-]*$/),
  title: Text,
  tasks: z.array(TaskPolicy).min(1),
});
export type StagePolicy = z.infer<typeof StagePolicy>;

export const JourneyPolicy = z
  .object({
    id: z.string().min(1),
    version: z.number().int().positive(),
    stages: z.array(StagePolicy).min(1),
    ladders: z.record(z.string(), EscalationLadder),
  })
  .superRefine((p, ctx) => {
    const taskKeys = new Set<string>();
    p.stages.forEach((stage, s) =>
      stage.tasks.forEach((task, t) => {
        if (taskKeys.has(task.key)) {
          ctx.addIssue({ code: 'custom', path: ['stages', s, 'tasks', t, 'key'], message: `duplicate task key "${task.key}"` });
        }
        taskKeys.add(task.key);
        if (!(task.ladder in p.ladders)) {
          ctx.addIssue({ code: 'custom', path: ['stages', s, 'tasks', t, 'ladder'], message: `unknown ladder "${task.ladder}"` });
        }
      }),
    );
  });
export type JourneyPolicy = z.infer<typeof JourneyPolicy>;
