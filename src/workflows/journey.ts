/**
 * One person's journey, stage by stage, as the policy it was started with describes it:
 * each stage opens its tasks, every task climbs its escalation ladder until it is done, and the
 * stage ends when all are. Deterministic and free of I/O: every effect goes through an activity.
 */
import { allHandlersFinished, condition, continueAsNew, setHandler } from '@temporalio/workflow';
import { durationMs } from '../policy/duration';
import { JourneyPolicy, type StagePolicy } from '../policy/schema';
import { firstTasksRecordedUpdate, journeyStateQuery, type JourneyInput, type JourneyPosition, type JourneyState, type TaskState } from '../journey/definitions';
import { fill, words } from '../journey/summaries';
import { activities, resolvePolicy } from './activities-proxy';
import { Journey } from './journey-state';
import { registerStaffActions } from './staff-actions';
import { registerNotifier, type Notifier } from './notifications';
import { watchTask } from './task-watch';
import { publish } from './visibility';
import { timerSummary } from './ui-summaries';

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

  // Parsing fills in policy fields added since the journey started (it carries its own copy); pure and deterministic.
  const policy = JourneyPolicy.parse(input.policyRef ? await resolveBody(input.policyRef) : input.policy);
  j = new Journey({ ...input, policy }, openedAt);
  return runJourney(j, input, recorded);
}

/** What a query sees in the moment before the policy's body is resolved: the case, no stage or task yet. */
function openingState(input: JourneyInput, openedAt: string): JourneyState {
  const { id, version } = input.policyRef ?? input.policy;
  const { caseCode, province, leadAgencyId } = input;
  return { caseCode, province, leadAgencyId, policy: { id, version }, stage: '', round: 0, status: 'active', openedAt, consent: { given: false }, plan: [], tasks: [], history: [] };
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
  if (!input.resume) await sync();
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

async function runStage(j: Journey, stage: StagePolicy, round: number, sync: () => Promise<void>, watch: (t: TaskState) => Promise<void>, recorded: () => void) {
  j.startStage(stage, round);
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
  // Tasks an outcome opened in this stage (a referral, tracing, the police) are part of it. Asked
  // only when there are any: recorded histories replay without the extra wait.
  if (j.outcomeTasksPending(stage.key)) await condition(() => !j.active || !j.outcomeTasksPending(stage.key));
  const closing = j.state.closingAfterOpened;
  if (closing && j.active) j.close(closing);
}

function watchWithLadder(j: Journey, task: TaskState, sync: () => Promise<void>, notifier: Notifier) {
  return watchTask(task, () => j.ladderOf(task), {
    summary: (phase, level) => timerSummary(j, task, phase, level),
    escalate: async (phase, level, step) => {
      j.recordEscalation(task, phase, level);
      publish(j);
      await sync();
      await notifier.escalate(task, phase, level, step);
    },
    isCaseClosed: () => !j.active,
    deadlinePassed: () => publish(j),
  });
}

/** One database write at a time, each carrying everything changed so far, so rows never go back in time. */
function serialSync(j: Journey) {
  let last = Promise.resolve();
  const summary = fill('syncJourney', {});
  return () => (last = last.then(() => activities.syncJourney.executeWithOptions({ summary }, [j.changes.take()])));
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
