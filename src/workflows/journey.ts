/**
 * One person's journey, stage by stage, as the policy it was started with describes it.
 * Deterministic and free of I/O: every effect goes through an activity.
 */
import { allHandlersFinished, ApplicationFailure, condition, proxyActivities, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { EscalationLevel, OpenTaskAgencies, Stage } from '../temporal/search-attributes';
import type { Activities } from '../activities';
import {
  AcknowledgeTask,
  CompleteTask,
  acknowledgeTaskUpdate,
  completeTaskUpdate,
  journeyStateQuery,
  TaskRejection,
  type JourneyInput,
  type JourneyState,
  type TaskState,
} from './definitions';
import { Journey } from './journey-state';
import { watchTask } from './task-watch';

const records = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

export async function journey(input: JourneyInput): Promise<JourneyState> {
  const j = new Journey(input, new Date(Date.now()).toISOString());

  setHandler(journeyStateQuery, () => j.state);
  setHandler(
    acknowledgeTaskUpdate,
    async (u) => {
      const task = j.acknowledge(u);
      publish(j);
      await records.recordTask(task);
      return task;
    },
    { validator: (u) => j.assertCanAcknowledge(parse(AcknowledgeTask, u)) },
  );
  setHandler(
    completeTaskUpdate,
    async (u) => {
      const task = j.complete(u);
      publish(j);
      await records.recordTask(task);
      return task;
    },
    { validator: (u) => j.assertCanComplete(parse(CompleteTask, u)) },
  );

  await records.recordCaseOpened({ ...j.caseSummary(), workflowId: workflowInfo().workflowId });

  for (const stage of input.policy.stages) {
    j.startStage(stage.key);
    await records.recordCaseStage(j.caseSummary());
    const tasks: TaskState[] = [];
    for (const taskPolicy of stage.tasks.filter((t) => t.required)) {
      const draft = j.draftTask(stage.key, taskPolicy);
      const placement = await records.openTask({ ...draft, caseCode: input.caseCode, province: input.province, agencyKind: taskPolicy.agency, leadAgencyId: input.leadAgencyId });
      tasks.push(j.addTask(draft, placement));
    }
    publish(j);
    await Promise.all(
      tasks.map((task) =>
        watchTask(task, input.policy.ladders[j.policyOf(task).ladder]!, {
          escalate: async (phase, level, step) => {
            j.recordEscalation(task, phase, level);
            publish(j);
            await records.recordTask(task);
            await records.notifyEscalation({ caseCode: input.caseCode, task, phase, level, step });
          },
          isCaseClosed: () => j.state.status === 'closed',
        }),
      ),
    );
    if (j.state.status === 'closed') break;
  }

  j.close();
  publish(j);
  await records.recordCaseStage(j.caseSummary());
  // The update that closed the case is still writing its task: let it answer its caller.
  await condition(allHandlersFinished);
  return j.state;
}

/** What managers filter on in the Web UI: pseudonymous facts only, never personal data. */
function publish(j: Journey) {
  const open = j.state.tasks.filter((t) => t.status !== 'done' && j.state.status === 'active');
  upsertSearchAttributes([
    { key: Stage, value: j.state.stage },
    { key: OpenTaskAgencies, value: [...new Set(open.map((t) => t.agencyId))] },
    { key: EscalationLevel, value: Math.max(0, ...open.map((t) => t.escalationLevel)) },
  ]);
}

/** Validators see raw update arguments: check their shape before anything else. */
function parse<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } } }, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const detail = result.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ');
  throw ApplicationFailure.create({ type: TaskRejection.invalidInput, message: detail, nonRetryable: true });
}
