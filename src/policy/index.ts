/**
 * The policy in force, validated. A journey receives a copy at start, so editing the policy
 * never changes journeys already running.
 */
import { defaultPolicy } from './default-policy';
import { durationMs, formatDuration } from './duration';
import { POLICY_FILE, readPolicyFile } from './file';
import { JourneyPolicy } from './schema';

export * from './schema';

/** One day of the default policy lasts one minute in the demo, so a person can watch escalations live. */
const DEMO_SCALE = 1 / 1440;
const DEMO_MINIMUM_MS = 5_000;

/** The built-in policy of that name, or the policy in a YAML or JSON file (throws PolicyFileError listing every mistake). */
export function loadPolicy(name: 'default' | 'demo' | (string & {})): JourneyPolicy {
  if (name !== 'default' && name !== 'demo') {
    if (!POLICY_FILE.test(name)) throw new Error(`a journey policy is "default", "demo" or a .yaml, .yml or .json file, not "${name}"`);
    return readPolicyFile(name);
  }
  const policy = JourneyPolicy.parse(defaultPolicy);
  return name === 'demo' ? scaledPolicy(policy, DEMO_SCALE, 'demo') : policy;
}

/** The same journey with every duration multiplied by `factor`. */
export function scaledPolicy(policy: JourneyPolicy, factor: number, suffix: string): JourneyPolicy {
  const scale = (d: string) => (durationMs(d) === 0 ? d : formatDuration(Math.max(DEMO_MINIMUM_MS, durationMs(d) * factor)));
  const deadlines = <T extends { acknowledgeWithin: string; completeWithin: string; maxExtension: string }>(t: T): T => ({
    ...t,
    acknowledgeWithin: scale(t.acknowledgeWithin),
    completeWithin: scale(t.completeWithin),
    maxExtension: scale(t.maxExtension),
  });
  return JourneyPolicy.parse({
    ...policy,
    id: `${policy.id}-${suffix}`,
    ladders: Object.fromEntries(
      Object.entries(policy.ladders).map(([name, ladder]) => [
        name,
        { ...ladder, repeatEvery: scale(ladder.repeatEvery), steps: ladder.steps.map((s) => ({ ...s, after: scale(s.after) })) },
      ]),
    ),
    transferAcceptance: deadlines(policy.transferAcceptance),
    ...(policy.closureApproval ? { closureApproval: deadlines(policy.closureApproval) } : {}),
    stages: policy.stages.map((stage) => ({
      ...stage,
      ...(stage.repeat ? { repeat: { ...stage.repeat, every: scale(stage.repeat.every) } } : {}),
      tasks: stage.tasks.map(deadlines),
    })),
    outcomeTasks: policy.outcomeTasks.map(deadlines),
  });
}
