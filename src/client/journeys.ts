/** Starting and reading journeys through the Temporal client. */
import { WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import { CaseCode, LeadAgency, Province, Stage } from '../temporal/search-attributes';
import { firstTasksRecordedUpdate, JOURNEY_WORKFLOW, journeyStateQuery, journeyWorkflowId, OpenCase, type JourneyInput, type StoredPolicy } from '../journey/definitions';
import { staticDetails, staticSummary } from '../journey/summaries';

/**
 * Starts a case's journey with the reference of a stored policy (src/db/policy-bodies.ts), never its
 * body. `startToken` (random) goes in the memo, so a retried request can tell its own journey from
 * someone else's.
 */
export function startJourney(client: Client, taskQueue: string, { ref, body: policy }: StoredPolicy, request: OpenCase, startToken?: string) {
  // Strict: anything beyond the pseudonymous case facts (personal data above all) never reaches Temporal.
  const input = OpenCase.parse(request);
  const args: [JourneyInput] = [{ ...input, policyRef: ref }];
  const facts = { ...input, policy: ref, stages: policy.stages.map((s) => s.key) };
  return client.workflow.start(JOURNEY_WORKFLOW, {
    taskQueue,
    workflowId: journeyWorkflowId(input.caseCode),
    // A case code names one journey, ever: a second start with the same code is a conflict.
    workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    args,
    typedSearchAttributes: [
      { key: CaseCode, value: input.caseCode },
      { key: Province, value: input.province },
      { key: LeadAgency, value: input.leadAgencyId },
      { key: Stage, value: policy.stages[0]!.key },
    ],
    // What the Web UI shows at the top of the journey: case facts and the policy, no personal data.
    staticSummary: staticSummary(facts),
    staticDetails: staticDetails(facts),
    ...(startToken ? { memo: { [START_TOKEN]: startToken } } : {}),
  });
}

export const START_TOKEN = 'startRequest';

export function journeyHandle(client: Client, caseCode: string) {
  return client.workflow.getHandle(journeyWorkflowId(caseCode));
}

export function queryJourney(client: Client, caseCode: string) {
  return journeyHandle(client, caseCode).query(journeyStateQuery);
}

/**
 * Waits until the journey's first tasks are in the database (the journey says so), so whatever
 * the caller does next finds them. False after `timeoutMs` or when the journey cannot answer
 * (no worker running, journey already over): it has started all the same.
 */
export async function firstTasksRecorded(client: Client, caseCode: string, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
  const answered = journeyHandle(client, caseCode).executeUpdate(firstTasksRecordedUpdate).then(() => true, () => false);
  try {
    return await Promise.race([answered, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
