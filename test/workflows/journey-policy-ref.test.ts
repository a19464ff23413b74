/**
 * A journey starts with a reference to a stored policy, not its body, on a real time-skipping
 * server with the real activities and database: the input names the policy, the body is read once
 * per run by the `resolvePolicy` local activity, the Web UI's static summary and details and the
 * timer and activity summaries are there, and a journey started with the policy inline (before the
 * reference existed) still runs.
 */
import type { WorkflowHandle, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { storePolicy } from '../../src/db/policy-bodies';
import { changePolicyUpdate, JOURNEY_WORKFLOW, journeyWorkflowId, type JourneyInput } from '../../src/journey/definitions';
import { policyDigest } from '../../src/policy/digest';
import { StageStartedAt } from '../../src/temporal/search-attributes';
import { decryptedHistory } from '../support/codec';
import { createJourneyHarness, HOUR, MINUTE, waitForState, waitUntilIdle, type JourneyHarness } from '../support/journey-harness';
import { acknowledge, advanceTo, complete } from '../support/journey-steps';

const EventType = temporal.api.enums.v1.EventType;

let h: JourneyHarness;
beforeAll(async () => {
  h = await createJourneyHarness();
});
afterAll(() => h?.teardown());

const decode = (p: Payload | null | undefined) => (p ? defaultPayloadConverter.fromPayload<unknown>(p) : undefined);

async function events(handle: WorkflowHandle, runId?: string) {
  // Histories are ciphertext (the run's payload codec): decrypted here to read what the journey recorded.
  const history = await decryptedHistory(await h.env.client.workflow.getHandle(handle.workflowId, runId).fetchHistory());
  return history.events ?? [];
}

function startInput(evs: temporal.api.history.v1.IHistoryEvent[]): JourneyInput {
  const started = evs.find((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED)!;
  return decode(started.workflowExecutionStartedEventAttributes!.input!.payloads![0]) as JourneyInput;
}

const localActivityMarkers = (evs: temporal.api.history.v1.IHistoryEvent[]) =>
  evs.filter((e) => e.eventType === EventType.EVENT_TYPE_MARKER_RECORDED && e.markerRecordedEventAttributes?.markerName === 'core_local_activity');

/** The markers of `resolvePolicy`; the journey's database writes are local activities too (`local-writes`). */
const policyResolutions = (evs: temporal.api.history.v1.IHistoryEvent[]) =>
  localActivityMarkers(evs).filter((e) => String(decode(e.userMetadata?.summary)).startsWith('Resolve policy'));

/** The run id of the journey's second run, once the first continued as new and the second finished its first workflow task. */
async function continuedRun(handle: WorkflowHandleWithFirstExecutionRunId): Promise<string> {
  for (let i = 0; i < 500; i++) {
    const { runId } = await handle.describe();
    const firstTaskDone = async () => (await events(handle, runId)).some((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
    if (runId !== handle.firstExecutionRunId && (await firstTaskDone())) return runId;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('the journey did not continue as new');
}

/** The events of `evs` with a payload that holds a policy body (its stages and ladders). */
function withBody(evs: temporal.api.history.v1.IHistoryEvent[]) {
  return evs.filter((e) => bytesIn(e).some((text) => text.includes('"ladders"') && text.includes('"stages"')));
}

/** Every byte field of an event (payload data above all) as text. */
function bytesIn(value: unknown): string[] {
  if (value instanceof Uint8Array) return [Buffer.from(value).toString('utf8')];
  if (Array.isArray(value)) return value.flatMap(bytesIn);
  if (value && typeof value === 'object') return Object.values(value).flatMap(bytesIn);
  return [];
}

test('a journey starts with the policy reference; the body is stored once and resolved once per run', async () => {
  await h.run(async () => {
    const handle = await h.start('DN-REF-001');
    const second = await h.start('DN-REF-002');
    await waitForState(handle, (s) => s.tasks.length > 0);
    await waitForState(second, (s) => s.tasks.length > 0);

    const evs = await events(handle);
    const input = startInput(evs);
    const digest = policyDigest(h.policy);
    expect(input).toEqual({ caseCode: 'DN-REF-001', province: 'VN-DN', leadAgencyId: 'dn-health', policyRef: { id: h.policy.id, version: h.policy.version, digest } });
    expect(JSON.stringify(input)).not.toContain('"stages"');

    // One local activity marker carries the body; nothing else in the history does.
    const markers = policyResolutions(evs);
    expect(markers).toHaveLength(1);
    expect(withBody(evs)).toEqual(markers);

    // Two journeys, one stored body.
    expect(await h.db.prisma.policyBody.findMany({ select: { digest: true, policyId: true, version: true } })).toEqual([
      { digest, policyId: h.policy.id, version: h.policy.version },
    ]);
  });
});

test('the Web UI gets a static summary and details, summaries on timers and activities, and StageStartedAt', async () => {
  await h.run(async () => {
    const handle = await h.start('DN-REF-003');
    await advanceTo(handle, 'initial-verification');
    await waitUntilIdle(handle);
    const described = await handle.describe();
    expect(await described.staticSummary()).toBe('Case DN-REF-003 · VN-DN · lead agency dn-health');
    const details = await described.staticDetails();
    expect(details).toContain(`**Policy** ${h.policy.id} v${h.policy.version} (\`${policyDigest(h.policy)}\`)`);
    expect(details).toContain('reception → initial verification → identification');

    const state = await waitForState(handle, (s) => s.stage === 'initial-verification');
    expect(described.typedSearchAttributes.get(StageStartedAt)?.toISOString()).toBe(state.stageStartedAt);
    expect(state.history.find((e) => e.action === 'stage-started' && e.detail === 'initial-verification')?.at).toBe(state.stageStartedAt);

    // The police acknowledge at once; the health department's lead task waits two ladder steps.
    await acknowledge(handle, 'police-verification');
    await h.env.sleep(4 * HOUR + MINUTE);
    await waitUntilIdle(handle);
    await h.env.sleep(2 * HOUR);
    await waitUntilIdle(handle);
    const evs = await events(handle);
    const summaries = (type: number) =>
      evs.filter((e) => e.eventType === type).map((e) => decode(e.userMetadata?.summary) as string);
    const timers = summaries(EventType.EVENT_TYPE_TIMER_STARTED);
    expect(timers).toContain('SLA: initial verification - police - 3 days - step 1');
    expect(timers).toContain('SLA: initial verification - health dept - acknowledge within 4 hours - step 1');
    expect(timers).toContain('SLA: initial verification - health dept - acknowledge within 4 hours - step 2');
    // Sends are activities; the journey's writes local activities, whose markers carry the summary.
    const activities = [...summaries(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED), ...localActivityMarkers(evs).map((e) => decode(e.userMetadata?.summary) as string)];
    // Verification opens with reception: one activity opens both stages.
    expect(activities).toContain('Open stage reception + initial-verification: reception - health dept, verify-initial-information - health dept, police-verification - police');
    expect(activities).toContain('Record journey changes');
    expect(activities).toContain('Escalate to assignee - verify-initial-information - step 1');
    expect(activities).toContain('Escalate to supervisor - verify-initial-information - step 2');
    expect(activities.every((s) => typeof s === 'string' && s.length > 0)).toBe(true);
  });
});

test('a journey started with the policy inline, as before the reference, still runs; its continued runs keep it inline', async () => {
  await h.run(async () => {
    const caseCode = 'DN-REF-INLINE';
    const inline: JourneyInput = { caseCode, province: 'VN-DN', leadAgencyId: 'dn-health', policy: h.policy };
    const handle = await h.env.client.workflow.start(JOURNEY_WORKFLOW, { taskQueue: h.taskQueue, workflowId: journeyWorkflowId(caseCode), args: [inline] });
    await advanceTo(handle, 'reintegration');
    const evs = await events(handle);
    expect(policyResolutions(evs)).toHaveLength(0);
    await complete(handle, 'community-reintegration');
    await complete(handle, 'social-worker-handover');
    await h.env.sleep(31 * 24 * HOUR);
    await complete(handle, 'follow-up-check-in', { outcome: 'safe' });
    const continued = startInput(await events(handle, await continuedRun(handle)));
    expect(continued.resume?.position).toMatchObject({ stage: 'follow-up', round: 1 });
    expect(continued.policy?.id).toBe(h.policy.id);
    expect(continued.policyRef).toBeUndefined();
  });
});

test('a journey started by reference continues as new with the reference, not the body', async () => {
  await h.run(async () => {
    const handle = await h.start('DN-REF-YEAR');
    await advanceTo(handle, 'reintegration');
    await complete(handle, 'community-reintegration');
    await complete(handle, 'social-worker-handover');
    await h.env.sleep(31 * 24 * HOUR);
    await complete(handle, 'follow-up-check-in', { outcome: 'safe' });
    const evs = await events(handle, await continuedRun(handle));
    const input = startInput(evs);
    expect(input.policyRef).toEqual((await storePolicy(h.db.prisma, h.policy)).ref);
    expect(input.policy).toBeUndefined();
    expect(withBody(evs)).toEqual(policyResolutions(evs));
    expect(withBody(evs)).toHaveLength(1);
  });
});

test('after a move to a newer policy version, continued runs carry the newer reference', async () => {
  await h.run(async () => {
    const handle = await h.start('DN-REF-UPGRADE');
    await advanceTo(handle, 'reintegration');
    const newer = await storePolicy(h.db.prisma, { ...h.policy, version: h.policy.version + 1 });
    const lead = { staffId: 'coordinator', agencyId: 'dn-health' };
    await handle.executeUpdate(changePolicyUpdate, { args: [{ ...lead, policy: newer.body, policyRef: newer.ref }] });
    await complete(handle, 'community-reintegration');
    await complete(handle, 'social-worker-handover');
    await h.env.sleep(31 * 24 * HOUR);
    await complete(handle, 'follow-up-check-in', { outcome: 'safe' });
    const input = startInput(await events(handle, await continuedRun(handle)));
    expect(input.policyRef).toEqual(newer.ref);
    expect(input.resume?.state.policy).toEqual({ id: h.policy.id, version: h.policy.version + 1 });
  });
});
