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
import { activities, localWrites, resolvePolicy } from './activities-proxy';
import { Journey } from './journey-state';
import { registerStaffActions } from './staff-actions';
import { registerNotifier, type Notifier } from './notifications';
import { releaseAtExit, releaseAtStage, reservePlaces, type Tell } from './placement';
import { watchTask } from './task-watch';
import { publish } from './visibility';
import { timerSummary } from './ui-summaries';

/**
 * Since this patch a stage opens with one activity (the changes so far and every task of the
 * stage) instead of a sync and one activity per task, and a ladder step's message goes out beside
 * the sync of its level instead of after it. Journeys recorded before replay the old sequence.
 */
const FEWER_ROUND_TRIPS = 'fewer-round-trips';

/**
 * Since this patch the journey's database writes are local activities, with two exceptions that
 * keep deadlines exact: a workflow task that starts deadline timers runs no local activity, since
 * its commands (timers, sends) reach the server only once they are done, and timers count from the
 * task's start. So the sync after a stage's opening stays an activity (the tasks' timers start in
 * the next workflow task), and a ladder step sends first and records its level after.
 * Asked once, as a run starts: a run recorded before keeps its activities to the end.
 */
const LOCAL_WRITES = 'local-writes';

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
  const { caseCode, province, leadAgencyId, facts } = input;
  return { caseCode, province, leadAgencyId, policy: { id, version }, stage: '', round: 0, status: 'active', openedAt, ...(facts ? { facts } : {}), consent: { given: false }, plan: [], tasks: [], history: [] };
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
  const sync = serialSync(j, patched(LOCAL_WRITES));
  const notifier = registerNotifier(j);
  const watch = (task: TaskState) => watchWithLadder(j, task, sync, notifier);
  const tell: Tell = (task, step, purpose) => notifier.escalate(task, 'acknowledge', 0, step, purpose);
  registerStaffActions(j, { sync, watch, tell, publish: () => publish(j) });

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
    const together = [stage, ...overlapping(j, stage.key)];
    await runStages(j, together, position.round, sync, watch, recorded, tell);
    for (const key of j.takeReopenRequest()) if (j.active) await runStages(j, [stageOf(j, key)], 0, sync, watch, recorded, tell);
    if (!j.active) break;

    if (stage.repeat && position.round + 1 < j.roundsOf(stage)) {
      const next = { stage: stage.key, round: position.round + 1, notBefore: new Date(roundStartedAt + durationMs(stage.repeat.every)).toISOString() };
      // Each round in a run of its own: a year of check-ins never grows one history past its limits.
      await condition(allHandlersFinished);
      const { caseCode, province, leadAgencyId, facts } = input;
      // A stored policy travels as its reference; a body that came inline (older journeys) stays inline.
      const policy = j.policyRef ? { policyRef: j.policyRef } : { policy: j.policy };
      return continueAsNew<typeof journey>({ caseCode, province, leadAgencyId, ...(facts ? { facts } : {}), ...policy, resume: { state: j.state, position: next } });
    }
    position = nextStage(j, together.at(-1)!.key);
  }

  if (j.active) j.close('reintegrated');
  publish(j);
  await sync();
  // An update that closed the case may still be writing: let it answer its caller.
  await condition(allHandlersFinished);
  // Exit: facility places go back (after the updates, so a place chosen at the last moment goes too).
  const releasing = releaseAtExit(j, sync);
  if (releasing) await releasing;
  return j.state;
}

type Sync = ReturnType<typeof serialSync>;
type Watch = (t: TaskState) => Promise<void>;

/**
 * Stages that run together (one, or one and those that start with it): all start, their tasks open
 * in policy order, and they end when all those tasks are done. One stage issues the very commands
 * it always did, so recorded histories replay.
 */
async function runStages(j: Journey, stages: StagePolicy[], round: number, sync: Sync, watch: Watch, recorded: () => void, tell: Tell) {
  for (const stage of stages) {
    j.startStage(stage, round);
    const releasing = releaseAtStage(j, stage.key, sync);
    if (releasing) await releasing;
  }
  if (patched(FEWER_ROUND_TRIPS)) return openStages(j, stages, sync, watch, recorded, tell);
  const tasks: TaskState[] = [];
  for (const stage of stages) {
    for (const policy of j.tasksToOpen(stage)) {
      const draft = j.draftTask(stage.key, policy);
      const summary = fill('openTask', { task: draft.key, agency: words(policy.agency) });
      const opening = { ...draft, caseCode: j.state.caseCode, province: j.state.province, agencyKind: policy.agency, leadAgencyId: j.state.leadAgencyId };
      const placement = await activities.openTask.executeWithOptions({ summary }, [opening]);
      tasks.push(j.addTask(draft, placement));
    }
  }
  publish(j);
  await sync();
  recorded();
  const reserving = reservePlaces(j, tasks, sync, tell);
  if (reserving) await reserving;
  await Promise.all(tasks.map(watch));
  // Asked only when there are any: recorded histories replay without the extra wait (also below).
  const opened = outcomeTasksDone(j, stages);
  if (opened) await opened;
  closeAfterOutcomeTasks(j);
}

/** "Not a victim" closes as closed-referred once its referral is done: the outcome said so when it opened it. */
function closeAfterOutcomeTasks(j: Journey) {
  const closing = j.state.closingAfterOpened;
  if (closing && j.active) j.close(closing);
}

/** One write opens the stages; their tasks can be acted on from then (a start waiting on them answers). */
async function openStages(j: Journey, stages: StagePolicy[], sync: Sync, watch: Watch, recorded: () => void, tell: Tell) {
  const chosen = stages.flatMap((stage) => j.tasksToOpen(stage).map((policy) => ({ stage: stage.key, policy })));
  const drafts = chosen.map(({ stage, policy }) => j.draftTask(stage, policy));
  const openings = drafts.map((draft, i) => ({ ...draft, caseCode: j.state.caseCode, province: j.state.province, agencyKind: chosen[i]!.policy.agency, leadAgencyId: j.state.leadAgencyId }));
  const summary = fill('openStage', { stage: stages.map((s) => s.key).join(' + '), tasks: chosen.map(({ policy: p }) => `${p.key} - ${words(p.agency)}`).join(', ') });
  const placements = await sync.queue((changes) => sync.writes.openStage.executeWithOptions({ summary }, [{ changes, tasks: openings }]));
  const tasks = drafts.map((draft, i) => j.addTask(draft, placements[i]!));
  recorded();
  publish(j);
  // An activity even with local writes: the tasks' timers then start in a workflow task of their own.
  await sync.remote();
  const reserving = reservePlaces(j, tasks, sync, tell);
  if (reserving) await reserving;
  await Promise.all(tasks.map(watch));
  const opened = outcomeTasksDone(j, stages);
  if (opened) await opened;
  closeAfterOutcomeTasks(j);
}

/** Tasks an outcome opened in these stages (a referral, tracing, the police) are part of them; no await when there are none. */
function outcomeTasksDone(j: Journey, stages: StagePolicy[]): Promise<void> | undefined {
  const pending = () => stages.some((s) => j.outcomeTasksPending(s.key));
  return pending() ? condition(() => !j.active || !pending()) : undefined;
}

function watchWithLadder(j: Journey, task: TaskState, sync: Sync, notifier: Notifier) {
  return watchTask(task, () => j.ladderOf(task), {
    summary: (phase, level) => timerSummary(j, task, phase, level),
    escalate: async (phase, level, step) => {
      j.recordEscalation(task, phase, level);
      publish(j);
      // The message carries its own snapshot of the task: it need not wait for the row's new level.
      if (sync.local) {
        await notifier.escalate(task, phase, level, step);
        return void (await sync());
      }
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
 * time. `queue` adds another write that carries the changes (a stage's opening); `remote` is a
 * sync that is an activity whether or not the journey's writes are local.
 */
function serialSync(j: Journey, local: boolean) {
  let last: Promise<unknown> = Promise.resolve();
  const summary = fill('syncJourney', {});
  const queue = <T>(write: (changes: ReturnType<Journey['changes']['take']>) => Promise<T>): Promise<T> => {
    const done = last.then(() => write(j.changes.take()));
    last = done;
    return done;
  };
  const writes = local ? localWrites : activities;
  const remote = () => queue((changes) => activities.syncJourney.executeWithOptions({ summary }, [changes]));
  return Object.assign(() => queue((changes) => writes.syncJourney.executeWithOptions({ summary }, [changes])), { queue, writes, local, remote });
}

function stageOf(j: Journey, key: string): StagePolicy {
  return j.policy.stages.find((s) => s.key === key)!;
}

/** Journeys started before stages could overlap ran each after the one before it. */
export const OVERLAPPING_STAGES_PATCH = 'overlapping-stages';

/**
 * The stages after `key` that start with it (`startsWithPrevious`, a chain of them). Asked of
 * patched() only when there are some: histories of policies without them replay unchanged.
 */
function overlapping(j: Journey, key: string): StagePolicy[] {
  const following: StagePolicy[] = [];
  for (let i = j.policy.stages.findIndex((s) => s.key === key) + 1; j.policy.stages[i]?.startsWithPrevious; i++) following.push(j.policy.stages[i]!);
  return following.length && patched(OVERLAPPING_STAGES_PATCH) ? following : [];
}

/** A recurring stage's first round comes one interval after the stage before it ends. */
function nextStage(j: Journey, key: string): JourneyPosition | undefined {
  const index = j.policy.stages.findIndex((s) => s.key === key);
  const next = j.policy.stages[index + 1];
  if (!next) return undefined;
  const notBefore = next.repeat ? new Date(Date.now() + durationMs(next.repeat.every)).toISOString() : undefined;
  return { stage: next.key, round: 0, notBefore };
}
