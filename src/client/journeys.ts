/** Starting and reading journeys through the Temporal client. */
import { WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import type { JourneyPolicy } from '../policy/schema';
import { CaseCode, LeadAgency, Province, Stage } from '../temporal/search-attributes';
import { JOURNEY_WORKFLOW, journeyStateQuery, journeyWorkflowId, type OpenCase } from '../workflows/definitions';

export function startJourney(client: Client, taskQueue: string, policy: JourneyPolicy, request: OpenCase) {
  return client.workflow.start(JOURNEY_WORKFLOW, {
    taskQueue,
    workflowId: journeyWorkflowId(request.caseCode),
    // A case code names one journey, ever: a second start with the same code is a conflict.
    workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    args: [{ ...request, policy }],
    typedSearchAttributes: [
      { key: CaseCode, value: request.caseCode },
      { key: Province, value: request.province },
      { key: LeadAgency, value: request.leadAgencyId },
      { key: Stage, value: policy.stages[0]!.key },
    ],
    staticSummary: `Case ${request.caseCode} · ${request.province} · ${request.leadAgencyId}`,
  });
}

export function journeyHandle(client: Client, caseCode: string) {
  return client.workflow.getHandle(journeyWorkflowId(caseCode));
}

export function queryJourney(client: Client, caseCode: string) {
  return journeyHandle(client, caseCode).query(journeyStateQuery);
}
