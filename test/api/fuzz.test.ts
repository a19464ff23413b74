/**
 * Property-based fuzzing of every operation (fast-check): arbitrary JSON bodies, near-valid
 * bodies with one field broken, raw text, random path segments, query strings and headers.
 * Whatever comes in: the answer is never a 5xx, errors are problem+json, and input that fails the
 * operation's schema never starts a workflow nor sends an update. Over HTTP, on the suite's
 * Temporal server with a worker: what was started or changed is read back from the server.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import fc from 'fast-check';
import type { z } from 'zod';
import type { RouteSpec } from '../../src/api/routing';
import { journeyWorkflowId } from '../../src/journey/definitions';
import { createApiHarness, type ApiHarness, type Who } from './support/harness';
import { NEWER_POLICY, prepareOperations, type Operations, type Req } from './support/operations';

let h: ApiHarness;
let specs: Map<string, RouteSpec>;
let table: Operations['table'];
const RUNS = Number(process.env.FUZZ_RUNS ?? 40);

const ALLOWED_FIRST: Who[] = ['coordinator', 'admin', 'staffPolice', 'staff', 'manager', 'anonymous'];
const callerOf = (operationId: string) => ALLOWED_FIRST.find((w) => table[operationId]!.expect[w] < 300)!;

beforeAll(async () => {
  h = await createApiHarness({ logLevel: 'warn', policy: NEWER_POLICY });
  const operations = await prepareOperations(h);
  table = operations.table;
  specs = new Map(h.app.apiSpecs.map((s) => [s.operationId, s]));
  // One fresh journey per fuzzed operation (the action link is fuzzed twice).
  await operations.warm([...OPERATIONS_WITH_BODY, 'useActionLink'].map((operationId): [string, Who] => [operationId, callerOf(operationId)]));
});
afterAll(() => h?.close());

/** The caller and a valid request for an operation, from the operation table. */
async function target(operationId: string): Promise<{ who: Who; req: Req; spec: RouteSpec }> {
  const who = callerOf(operationId);
  return { who, req: await table[operationId]!.req(who), spec: specs.get(operationId)! };
}

function isProblem(res: { status: number; headers: Record<string, unknown> }) {
  const type = String(res.headers['content-type'] ?? '');
  return res.status < 400 || type.includes('application/problem+json') || type.includes('text/html');
}

/** Case codes the API answered 201 for: the only journeys, besides the fixtures, that may exist. */
const accepted = new Set<string>();

/**
 * Sends a request and reads back from the server what it did: `started`, journeys that exist now
 * and did not before, for the case code the body names (a start's workflow id comes from it);
 * `updated`, whether the state of the journey the request addresses (by URL or action link, or
 * `watch`) changed.
 */
async function send(who: Who, method: string, url: string, body: unknown, headers: Record<string, string> = {}, watch = addressed(url)) {
  const ids = namedCaseCodes(body).map(journeyWorkflowId);
  const existed = await Promise.all(ids.map(exists));
  const before = watch ? await snapshot(watch) : undefined;
  const res = await h.call(who, method, url, body === undefined ? { headers } : { body, headers });
  if (method === 'POST' && url === '/cases' && res.status === 201) accepted.add((res.body as { caseCode: string }).caseCode);
  if (method === 'POST' && url === '/families' && res.status === 201) for (const c of (res.body as { cases: { caseCode: string }[] }).cases) accepted.add(c.caseCode);
  const now = await Promise.all(ids.map(exists));
  const started = ids.filter((_, i) => !existed[i] && now[i]).length;
  const updated = watch && (await snapshot(watch)) !== before ? 1 : 0;
  return { res, started, updated };
}

async function exists(workflowId: string): Promise<boolean> {
  try {
    await h.client.workflow.getHandle(workflowId).describe();
    return true;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
}

const snapshot = async (code: string) => JSON.stringify(await h.state(code));

/** The case code a body names, as a start would use it (raw text is read as JSON, as the API would). */
function namedCaseCodes(body: unknown): string[] {
  let value = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch {
      return [];
    }
  }
  if (!value || typeof value !== 'object') return [];
  // A family names its members' codes.
  const { caseCode, members } = value as { caseCode?: unknown; members?: unknown };
  const codes = [caseCode, ...(Array.isArray(members) ? members.map((m) => (m && typeof m === 'object' ? (m as { caseCode?: unknown }).caseCode : undefined)) : [])];
  return codes.filter((code): code is string => typeof code === 'string' && code.length > 0 && code.length < 200);
}

/** The journey of this file a URL addresses: a case path, or an action link's task. */
function addressed(url: string): string | undefined {
  let code: string | undefined;
  try {
    const path = /^\/cases\/([^/?]+)/.exec(url)?.[1];
    const token = /^\/actions\/([^/?]+)/.exec(url)?.[1];
    if (path) code = decodeURIComponent(path);
    if (token) {
      const check = h.security.actionLinks.verify(decodeURIComponent(token));
      if (check.ok) code = check.claims.task.slice(0, check.claims.task.indexOf('/'));
    }
  } catch {
    return undefined; // not decodable: it addresses nothing
  }
  return code && h.opened.includes(code) ? code : undefined;
}

/** A valid body with one change: a field replaced by any JSON value, removed, or a new one added. */
function nearValid(valid: Record<string, unknown>) {
  const keys = Object.keys(valid);
  return fc.oneof(
    keys.length ? fc.tuple(fc.constantFrom(...keys), fc.jsonValue()).map(([k, v]) => ({ ...valid, [k]: v })) : fc.constant(valid),
    keys.length ? fc.constantFrom(...keys).map((k) => Object.fromEntries(Object.entries(valid).filter(([key]) => key !== k))) : fc.constant(valid),
    fc.tuple(fc.string({ minLength: 1, maxLength: 12 }), fc.jsonValue()).map(([k, v]) => ({ ...valid, [k]: v })),
  );
}

const OPERATIONS_WITH_BODY = ['startCase', 'startFamily', 'putPersonalData', 'acknowledgeTask', 'completeTask', 'addNote', 'extendDeadline', 'reassignTask', 'declineReferral', 'closeCase', 'rejectClosure', 'choosePlacement', 'transferCase', 'createAgency', 'updateAgency', 'createStaff', 'updateStaff', 'createFacility', 'updateFacility', 'createApiKey', 'updateMyPreferences', 'setMyAbsence', 'updateStaffPreferences', 'setStaffAbsence', 'useActionLink'];

describe.each(OPERATIONS_WITH_BODY)('%s body', (operationId) => {
  test('any JSON, or a valid body with one field broken: never 5xx; schema-invalid input starts nothing', async () => {
    const { who, req, spec } = await target(operationId);
    const schema = spec.body as z.ZodType;
    const valid = (req.body ?? {}) as Record<string, unknown>;
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.jsonValue(), nearValid(valid)), async (body) => {
        // Case codes must stay new for POST /cases, or a valid body would be a replay.
        const { res, started, updated } = await send(who, req.method, req.url, body);
        if (res.status >= 500) throw new Error(`${operationId}: ${res.status} for ${JSON.stringify(body)}: ${res.text}`);
        if (!isProblem(res)) throw new Error(`${operationId}: ${res.status} without problem+json`);
        if (!schema.safeParse(body).success) {
          if (res.status < 400) throw new Error(`${operationId}: schema-invalid ${JSON.stringify(body)} answered ${res.status}`);
          if (started || updated) throw new Error(`${operationId}: schema-invalid ${JSON.stringify(body)} reached the workflow`);
        }
      }),
      { numRuns: RUNS },
    );
  });
});

test('POST /cases: bodies invalid by construction never start a workflow, whatever else is right', async () => {
  const bad = fc.record({
    caseCode: fc.oneof(fc.string(), fc.constant('dn-lower-case'), fc.integer()),
    province: fc.oneof(fc.constant('VN-DN'), fc.string()),
    leadAgencyId: fc.oneof(fc.constant('dn-health'), fc.string()),
    personalData: fc.option(fc.record({ fullName: fc.oneof(fc.string(), fc.constant('')), dateOfBirth: fc.string() }), { nil: undefined }),
  });
  await fc.assert(
    fc.asyncProperty(bad, fc.option(fc.string({ maxLength: 200 }), { nil: undefined }), async (body, idempotencyKey) => {
      const { res, started } = await send('coordinator', 'POST', '/cases', body, idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey.replace(/[^\x20-\x7e]/g, '') });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(started).toBe(0);
    }),
    { numRuns: RUNS * 2 },
  );
});

test('raw text bodies under any content type: 4xx, never 5xx, nothing started', async () => {
  const { req } = await target('startCase');
  await fc.assert(
    fc.asyncProperty(fc.string({ maxLength: 300 }), fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', 'multipart/form-data'), async (text, type) => {
      const { res, started } = await send('coordinator', req.method, req.url, text, { 'content-type': type });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(started).toBe(0);
    }),
    { numRuns: RUNS * 2 },
  );
});

test('random path segments and query strings on every route: never 5xx, nothing started', async () => {
  const routes = [...specs.values()].filter((s) => !s.hidden);
  const segment = fc.oneof(fc.string({ maxLength: 80 }), fc.constantFrom('DN-2026-0001', 'reception', '..', '%', '%E0%A4%A', 'a'.repeat(2000)));
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...routes), fc.array(segment, { minLength: 3, maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 30 }), { maxKeys: 3 }), async (spec, segs, query) => {
      let i = 0;
      const path = spec.url.replace(/:[A-Za-z]+/g, () => {
        const s = segs[i++]!;
        return /^%/.test(s) || s === '..' ? s : encodeURIComponent(s);
      });
      const qs = new URLSearchParams(query).toString();
      const who: Who = spec.access === 'public' || spec.access === 'action-link' ? 'anonymous' : spec.access.startsWith('directory') || spec.access.startsWith('api-key') || spec.access.startsWith('audit') || spec.access === 'personal-data.rotate' ? 'admin' : 'coordinator';
      const { res, started } = await send(who, spec.method, `${path}${qs ? `?${qs}` : ''}`, spec.method === 'GET' || spec.method === 'DELETE' ? undefined : {});
      if (res.status >= 500) throw new Error(`${spec.method} ${path}?${qs}: ${res.status} ${res.text}`);
      expect(isProblem(res)).toBe(true);
      if (spec.operationId !== 'startCase') expect(started).toBe(0);
    }),
    { numRuns: RUNS * 4 },
  );
});

test('random credentials and headers: 401, never 5xx', async () => {
  await fc.assert(
    fc.asyncProperty(fc.oneof(fc.string({ maxLength: 300 }), fc.string().map((s) => `Bearer ${s}`), fc.string().map((s) => `Bearer dh_${s}`), fc.constant('Bearer a.b.c')), fc.string({ maxLength: 40 }), async (authorization, lang) => {
      const clean = (s: string) => s.replace(/[^\x20-\x7e]/g, '');
      const res = await h.call('anonymous', 'GET', '/cases', { headers: { authorization: clean(authorization), 'accept-language': clean(lang) } });
      expect(res.status).toBe(401);
      expect(res.headers['content-type']).toContain('application/problem+json');
    }),
    { numRuns: RUNS * 2 },
  );
});

test('random action-link tokens: 400 or 410, never 5xx, nothing done', async () => {
  const { req } = await target('useActionLink');
  const real = req.url.slice('/actions/'.length);
  const linked = addressed(req.url)!;
  const token = fc.oneof(
    fc.string({ minLength: 1, maxLength: 400 }),
    fc.tuple(fc.nat(real.length - 1), fc.constantFrom('A', 'b', '-', '_', '.')).map(([i, c]) => real.slice(0, i) + c + real.slice(i + 1)),
  );
  await fc.assert(
    fc.asyncProperty(token, fc.constantFrom('GET', 'POST'), async (t, method) => {
      if (t === real) return;
      const { res, updated } = await send('anonymous', method, `/actions/${encodeURIComponent(t)}`, method === 'POST' ? {} : undefined, {}, linked);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(updated).toBe(0);
    }),
    { numRuns: RUNS * 2 },
  );
});

test('the server holds no journey of this file but the fixtures and those the API answered 201 for', async () => {
  const expected = new Set([...h.opened, ...accepted].map(journeyWorkflowId));
  // Visibility is eventually consistent: list until every expected journey shows.
  const deadline = Date.now() + 10_000;
  let listed: string[];
  for (;;) {
    listed = [];
    for await (const wf of h.client.workflow.list({ query: `TaskQueue = "${h.taskQueue}"` })) listed.push(wf.workflowId);
    if ([...expected].every((id) => listed.includes(id)) || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(listed.filter((id) => !expected.has(id))).toEqual([]);
  expect([...expected].filter((id) => !listed.includes(id))).toEqual([]);
});
