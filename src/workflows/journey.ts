/**
 * One person's journey, stage by stage, as the policy it was started with describes it:
 * each stage opens its tasks, every task climbs its escalation ladder until it is done, and the
 * stage ends when all are. Deterministic and free of I/O: every effect goes through an activity.
 */
import { allHandlersFinished, condition, continueAsNew, patched, setHandler } from '@temporalio/workflow';
import { durationMs } from '../policy/duration';
import { POLICY_SCHEMA_REVISION, type ResolvedPolicy } from '../policy/schema-revision';
import type { JourneyPolicy, StagePolicy } from '../policy/schema';
import { firstTasksRecordedUpdate, journeyStateQuery } from '../journey/messages';
import type { JourneyInput, JourneyPosition, JourneyState, TaskState } from '../journey/definitions';
import { fill, words } from '../journey/summaries';
import { activities, resolvePolicy } from './activities-proxy';
import { Journey } from './journey-state';
import { registerStaffActions } from './staff-actions';
import { registerNotifier, type Notifier } from './notifications';
import { watchTask } from './task-watch';
import { publish } from './visibility';
import { timerSummary } from './ui-summaries';

/**
 * Since this patch a stage opens with one activity (the changes so far and every task of the
 * stage) instead of a sync and one activity per task, and a ladder step's message goes out beside
 * the sync of its level instead of after it. Journeys recorded before replay the old sequence.
 */
const FEWER_ROUND_TRIPS = 'fewer-round-trips';

export async function journey(input: JourneyInput): Promise<JourneyState> {
  // Registered before the policy is resolved: the API asks right after the start, and an update
  // or query with no handler at the end of the first activation would be refused.
  let firstTasksRecorded = Boolean(input.resume);
  let j: Journey | undefined;
  setHandler(firstTasksRecordedUpdate, () => condition(() => firstTasksRecorded || (j !== undefined && !j.active)));
  const recorded = () => void (firstTasksRecorded = true);
  const openedAt = new Date(Date.now()).toISOString();
  const opening = input.resume?.state ?? openingState(input, openedAt);
  setHandler(journeyStateQuery, () => j?.state ?? opening);

  const policy = currentPolicy(input.policyRef ? await resolveBody(input.policyRef) : input.policy);
  j = new Journey({ ...input, policy }, openedAt);
  return runJourney(j, input, recorded);
}

/** What a query sees in the moment before the policy's body is resolved: the case, no stage or task yet. */
function openingState(input: JourneyInput, openedAt: string): JourneyState {
  const { id, version } = input.policyRef ?? input.policy;
  const { caseCode, province, leadAgencyId } = input;
  return { caseCode, province, leadAgencyId, policy: { id, version }, stage: '', round: 0, status: 'active', openedAt, consent: { given: false }, plan: [], tasks: [], history: [] };
}

/**
 * The policy as today's schema reads it. A body the worker parsed with this revision is used as
 * it is; any other (an inline body of an older journey, a run recorded before a revision) is parsed
 * here, which fills in fields added since (pure and deterministic). Only then does the workflow
 * load the schema: zod schemas would cost every cached journey about 2 MiB.
 */
function currentPolicy(body: ResolvedPolicy | JourneyPolicy): JourneyPolicy {
  if ('schemaRevision' in body && body.schemaRevision === POLICY_SCHEMA_REVISION) return body.policy;
  const raw = 'schemaRevision' in body ? body.policy : body;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('../policy/schema') as typeof import('../policy/schema')).JourneyPolicy.parse(raw);
}

function resolveBody(ref: NonNullable<JourneyInput['policyRef']>) {
  const summary = fill('resolvePolicy', { policyId: ref.id, policyVersion: ref.version });
  return resolvePolicy.executeWithOptions({ summary }, [ref]);
}

async function runJourney(j: Journey, input: JourneyInput, recorded: () => void): Promise<JourneyState> {
  const sync = serialSync(j);
  const notifier = registerNotifier(j);
  const watch = (task: TaskState) => watchWithLadder(j, task, sync, notifier);
  registerStaffActions(j, { sync, watch, publish: () => publish(j) });

  let position: JourneyPosition | undefined = input.resume?.position ?? { stage: j.policy.stages[0]!.key, round: 0 };
  // The first stage's opening writes the case row itself.
  if (!input.resume && !patched(FEWER_ROUND_TRIPS)) await sync();
  // Tasks carried over continue-as-new (a pending transfer's acceptance) keep their timers.
  for (const task of j.openTasks()) void watch(task);

  while (j.active && position) {
    const stage = stageOf(j, position.stage);
    const wait = position.notBefore ? Date.parse(position.notBefore) - Date.now() : 0;
    // A round the case no longer has (its follow-up was shortened meanwhile) is not waited for.
    const round = position.round;
    const dropped = () => stage.repeat !== undefined && round >= j.roundsOf(stage);
    if (wait > 0 && (await condition(() => !j.active || dropped(), wait)) && !j.active) break;
    if (dropped()) {
      position = nextStage(j, stage.key);
      continue;
    }
    const roundStartedAt = Date.now();
    await runStage(j, stage, position.round, sync, watch, recorded);
    for (const key of j.takeReopenRequest()) if (j.active) await runStage(j, stageOf(j, key), 0, sync, watch, recorded);
    if (!j.active) break;

    if (stage.repeat && position.round + 1 < j.roundsOf(stage)) {
      const next = { stage: stage.key, round: position.round + 1, notBefore: new Date(roundStartedAt + durationMs(stage.repeat.every)).toISOString() };
      // Each round in a run of its own: a year of check-ins never grows one history past its limits.
      await condition(allHandlersFinished);
      const { caseCode, province, leadAgencyId } = input;
      // A stored policy travels as its reference; a body that came inline (older journeys) stays inline.
      const policy = j.policyRef ? { policyRef: j.policyRef } : { policy: j.policy };
      return continueAsNew<typeof journey>({ caseCode, province, leadAgencyId, ...policy, resume: { state: j.state, position: next } });
    }
    position = nextStage(j, stage.key);
  }

  if (j.active) j.close('reintegrated');
  publish(j);
  await sync();
  // An update that closed the case may still be writing: let it answer its caller.
  await condition(allHandlersFinished);
  return j.state;
}

type Sync = ReturnType<typeof serialSync>;

async function runStage(j: Journey, stage: StagePolicy, round: number, sync: Sync, watch: (t: TaskState) => Promise<void>, recorded: () => void) {
  j.startStage(stage, round);
  if (patched(FEWER_ROUND_TRIPS)) return openStage(j, stage, sync, watch, recorded);
  const tasks: TaskState[] = [];
  // Inline, not through open-task.ts: an extra async call would shift the order of commands that recorded histories replay.
  for (const policy of j.tasksToOpen(stage)) {
    const draft = j.draftTask(stage.key, policy);
    const summary = fill('openTask', { task: draft.key, agency: words(policy.agency) });
    const opening = { ...draft, caseCode: j.state.caseCode, province: j.state.province, agencyKind: policy.agency, leadAgencyId: j.state.leadAgencyId };
    const placement = await activities.openTask.executeWithOptions({ summary }, [opening]);
    tasks.push(j.addTask(draft, placement));
  }
  publish(j);
  await sync();
  recorded();
  await Promise.all(tasks.map(watch));
  // Asked only when there are any: recorded histories replay without the extra wait (also below).
  if (j.outcomeTasksPending(stage.key)) await condition(() => !j.active || !j.outcomeTasksPending(stage.key));
  closeAfterOutcomeTasks(j);
}

/** "Not a victim" closes as closed-referred once its referral is done: the outcome said so when it opened it. */
function closeAfterOutcomeTasks(j: Journey) {
  const closing = j.state.closingAfterOpened;
  if (closing && j.active) j.close(closing);
}

/** One write opens the stage; its tasks can be acted on from then (a start waiting on them answers). */
async function openStage(j: Journey, stage: StagePolicy, sync: Sync, watch: (t: TaskState) => Promise<void>, recorded: () => void) {
  const policies = j.tasksToOpen(stage);
  const drafts = policies.map((policy) => j.draftTask(stage.key, policy));
  const openings = drafts.map((draft, i) => ({ ...draft, caseCode: j.state.caseCode, province: j.state.province, agencyKind: policies[i]!.agency, leadAgencyId: j.state.leadAgencyId }));
  const summary = fill('openStage', { stage: stage.key, tasks: policies.map((p) => `${p.key} - ${words(p.agency)}`).join(', ') });
  const placements = await sync.queue((changes) => activities.openStage.executeWithOptions({ summary }, [{ changes, tasks: openings }]));
  const tasks = drafts.map((draft, i) => j.addTask(draft, placements[i]!));
  recorded();
  publish(j);
  await sync();
  await Promise.all(tasks.map(watch));
  // Tasks an outcome opened in this stage (a referral, tracing, the police) are part of it.
  if (j.outcomeTasksPending(stage.key)) await condition(() => !j.active || !j.outcomeTasksPending(stage.key));
  closeAfterOutcomeTasks(j);
}

function watchWithLadder(j: Journey, task: TaskState, sync: Sync, notifier: Notifier) {
  return watchTask(task, () => j.ladderOf(task), {
    summary: (phase, level) => timerSummary(j, task, phase, level),
    escalate: async (phase, level, step) => {
      j.recordEscalation(task, phase, level);
      publish(j);
      // The message carries its own snapshot of the task: it need not wait for the row's new level.
      if (patched(FEWER_ROUND_TRIPS)) return void (await Promise.all([sync(), notifier.escalate(task, phase, level, step)]));
      await sync();
      await notifier.escalate(task, phase, level, step);
    },
    isCaseClosed: () => !j.active,
    deadlinePassed: () => publish(j),
  });
}

/**
 * One database write at a time, each carrying everything changed so far, so rows never go back in
 * time. `queue` adds another write that carries the changes (a stage's opening).
 */
function serialSync(j: Journey) {
  let last: Promise<unknown> = Promise.resolve();
  const summary = fill('syncJourney', {});
  const queue = <T>(write: (changes: ReturnType<Journey['changes']['take']>) => Promise<T>): Promise<T> => {
    const done = last.then(() => write(j.changes.take()));
    last = done;
    return done;
  };
  return Object.assign(() => queue((changes) => activities.syncJourney.executeWithOptions({ summary }, [changes])), { queue });
}

function stageOf(j: Journey, key: string): StagePolicy {
  return j.policy.stages.find((s) => s.key === key)!;
}

/** A recurring stage's first round comes one interval after the stage before it ends. */
function nextStage(j: Journey, key: string): JourneyPosition | undefined {
  const index = j.policy.stages.findIndex((s) => s.key === key);
  const next = j.policy.stages[index + 1];
  if (!next) return undefined;
  const notBefore = next.repeat ? new Date(Date.now() + durationMs(next.repeat.every)).toISOString() : undefined;
  return { stage: next.key, round: 0, notBefore };
}
