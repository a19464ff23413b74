/**
 * Idempotent journey starts: the same Idempotency-Key (or the same case code and body) returns
 * the original result; a conflicting one is a 409; concurrent twins start one journey; a failed
 * start keeps nothing, so a retry works. Real journeys on the suite's Temporal server, real SQLite.
 */
import { decryptedHistory } from '../support/codec';
import { WorkflowNotFoundError } from '@temporalio/client';
import { journeyWorkflowId } from '../../src/journey/definitions';
import { createApiHarness, uniqueCode, unreachableTemporal, type ApiHarness } from './support/harness';

let h: ApiHarness;
beforeAll(async () => {
  h = await createApiHarness();
});
afterAll(() => h?.close());

const body = (caseCode: string, extra: Record<string, unknown> = {}) => ({ caseCode, province: 'VN-DN', leadAgencyId: 'dn-health', ...extra });
const start = (b: unknown, key?: string) => h.call('coordinator', 'POST', '/cases', { body: b, headers: key ? { 'idempotency-key': key } : {} });

/** Runs of the case's journey on the server (by the CaseCode search attribute; visibility lags, so poll until one shows). */
async function startsOf(code: string): Promise<number> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const runs: string[] = [];
    for await (const wf of h.client.workflow.list({ query: `CaseCode = "${code}"` })) runs.push(wf.runId);
    if (runs.length > 0 || Date.now() > deadline) return runs.length;
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('a retry with the same Idempotency-Key returns the original result and starts nothing new', async () => {
  const code = uniqueCode();
  const first = await start(body(code, { personalData: { fullName: 'A Person' } }), 'retry-key-0001');
  expect(first.status).toBe(201);
  expect(first.headers['idempotent-replayed']).toBeUndefined();
  const second = await start(body(code, { personalData: { fullName: 'A Person' } }), 'retry-key-0001');
  expect(second.status).toBe(201);
  expect(second.body).toEqual(first.body);
  expect(second.headers['idempotent-replayed']).toBe('true');
  expect(await startsOf(code)).toBe(1);
  expect((await h.journey(code).describe()).runId).toBe(first.body.runId);
});

test('the same key for a different request is a 409, whether the body or the case code differs', async () => {
  const code = uniqueCode();
  expect((await start(body(code), 'retry-key-0002')).status).toBe(201);
  const otherBody = await start(body(code, { personalData: { fullName: 'Someone' } }), 'retry-key-0002');
  expect(otherBody.status).toBe(409);
  const otherCase = await start(body(uniqueCode()), 'retry-key-0002');
  expect(otherCase.status).toBe(409);
  expect((otherCase.body as { detail: string }).detail).toContain('Idempotency-Key');
});

test('without a key, the case code identifies the request: same body replays, other body conflicts', async () => {
  const code = uniqueCode();
  const first = await start(body(code));
  expect((await start(body(code))).body).toEqual(first.body);
  expect((await start(body(code, { personalData: { fullName: 'X' } }))).status).toBe(409);
  expect(await startsOf(code)).toBe(1);
  expect((await h.journey(code).describe()).runId).toBe(first.body.runId);
});

test('ten identical requests at once start one journey and all get the same answer', async () => {
  const code = uniqueCode();
  const results = await Promise.all(Array.from({ length: 10 }, () => start(body(code), 'concurrent-key-1')));
  expect(results.map((r) => r.status)).toEqual(Array(10).fill(201));
  expect(new Set(results.map((r) => JSON.stringify(r.body))).size).toBe(1);
  expect((await h.journey(code).describe()).runId).toBe(results[0]!.body.runId);
  expect(await startsOf(code)).toBe(1);
});

test('a journey that exists without our request (started elsewhere) is a 409, not a replay', async () => {
  // Started directly on the server, as another service would: no start request of ours.
  const code = await h.openJourney();
  expect((await start(body(code))).status).toBe(409);
});

test('Temporal down: 503 with Retry-After, nothing kept (no request, no personal data); the retry succeeds', async () => {
  const code = uniqueCode();
  // The same API and database, with a client whose Temporal server does not answer.
  const down = await h.withTemporal(await unreachableTemporal());
  try {
    const res = await down.call('coordinator', 'POST', '/cases', { body: body(code, { personalData: { fullName: 'Kept Nowhere' } }), headers: { 'idempotency-key': 'outage-key-001' } });
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBeDefined();
  } finally {
    await down.close();
  }
  await expect(h.journey(code).describe()).rejects.toThrow(WorkflowNotFoundError);
  expect(await h.db.prisma.caseRequest.count({ where: { caseCode: code } })).toBe(0);
  expect(await h.db.prisma.casePersonalData.count({ where: { caseCode: code } })).toBe(0);
  expect((await start(body(code, { personalData: { fullName: 'Kept Nowhere' } }), 'outage-key-001')).status).toBe(201);
});

test('a malformed Idempotency-Key is a 400 naming the header', async () => {
  const res = await start(body(uniqueCode()), 'short');
  expect(res.status).toBe(400);
  expect((res.body as { errors: { path: string }[] }).errors[0]!.path).toBe('Idempotency-Key');
});

test('the workflow input is the pseudonymous case facts only, and the memo a random start token', async () => {
  const code = uniqueCode();
  await start(body(code, { personalData: { fullName: 'Never In Temporal' } }));
  // What the server recorded of the start: the first event's input, and the memo.
  const handle = h.client.workflow.getHandle(journeyWorkflowId(code));
  // Read through the run's payload codec: what the workflow engine holds, decrypted.
  const history = await decryptedHistory(await handle.fetchHistory());
  const started = history.events![0]!.workflowExecutionStartedEventAttributes!;
  const args = h.client.options.loadedDataConverter.payloadConverter.fromPayload<object>(started.input!.payloads![0]!);
  const { memo } = await handle.describe();
  expect(Object.keys(args).sort()).toEqual(['caseCode', 'leadAgencyId', 'policyRef', 'province']);
  expect(JSON.stringify({ args, memo }) + JSON.stringify(history, (_k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : v))).not.toContain('Never In Temporal');
  expect(Object.keys(memo ?? {})).toEqual(['startRequest']);
  // Random, not derived from the request (whose personal data a hash would stand for).
  const request = await h.db.prisma.caseRequest.findUniqueOrThrow({ where: { caseCode: code } });
  expect(memo!.startRequest).toBe(request.startToken);
  expect(memo!.startRequest).not.toBe(request.requestHash);
});
