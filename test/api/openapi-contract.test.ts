/**
 * Contract tests from the OpenAPI document: the document is served at /openapi.json, describes
 * every route, and what the API really accepts and answers matches it: for every operation, the
 * requests of the operation table validate against its documented request schema, and the real
 * responses (success, 401, 403, 400) have a documented status, content type and a body that
 * validates against the documented schema (JSON Schema 2020-12, checked with Ajv).
 */
import Ajv2020 from 'ajv/dist/2020';
import { createApiHarness, WHO, type ApiHarness, type Who } from './support/harness';
import { NEWER_POLICY, prepareOperations, type Operations } from './support/operations';

type Json = Record<string, any>;
let h: ApiHarness;
let doc: Json;
let table: Operations['table'];
const FIRST_ALLOWED: Who[] = ['coordinator', 'admin', 'staffPolice', 'staff', 'manager', 'anonymous'];
const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });

beforeAll(async () => {
  h = await createApiHarness({ policy: NEWER_POLICY });
  const operations = await prepareOperations(h);
  table = operations.table;
  // Each operation succeeds once, and is sent a bad body once, by its first allowed caller.
  await operations.warm(Object.entries(table).flatMap(([operationId, row]): [string, Who][] => {
    const who = FIRST_ALLOWED.find((w) => row.expect[w] < 300);
    return who ? [[operationId, who], [operationId, who]] : [];
  }));
  const res = await h.call('anonymous', 'GET', '/openapi.json');
  expect(res.status).toBe(200);
  doc = res.body as Json;
});
afterAll(() => h?.close());

/** Inlines `#/components/...` references so each schema compiles on its own. */
function deref(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(deref);
  if (node && typeof node === 'object') {
    const ref = (node as Json).$ref;
    if (typeof ref === 'string' && ref.startsWith('#/components/')) {
      const target = ref.slice(2).split('/').reduce((o: Json, k) => o?.[k], doc);
      if (!target) throw new Error(`unresolved ${ref}`);
      return deref(target);
    }
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, deref(v)]));
  }
  return node;
}

function operations(): { path: string; method: string; op: Json }[] {
  return Object.entries(doc.paths as Json).flatMap(([path, methods]) => Object.entries(methods as Json).map(([method, op]) => ({ path, method, op: op as Json })));
}

function findOperation(method: string, url: string) {
  const path = url.replace(/\?.*$/, '');
  return operations().find((o) => o.method === method.toLowerCase() && new RegExp(`^${o.path.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(path));
}

function checkResponse(op: Json, status: number, contentType: string, body: unknown, label: string) {
  const documented = op.responses[String(status)];
  if (!documented) throw new Error(`${label}: status ${status} is not documented (${Object.keys(op.responses).join(', ')})`);
  if (status === 204) return;
  const media = Object.keys(documented.content ?? {}).find((m) => contentType.startsWith(m));
  if (!media) throw new Error(`${label}: ${status} answered ${contentType}, documented ${Object.keys(documented.content ?? {}).join(', ') || 'no body'}`);
  const schema = documented.content[media].schema;
  if (!schema || media.startsWith('text/')) return;
  const validate = ajv.compile(deref(schema) as object);
  if (!validate(body)) throw new Error(`${label}: ${status} body does not match the documented schema: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 400)}`);
}

test('the document is OpenAPI 3.1 and describes exactly the routes the API serves', () => {
  expect(doc.openapi).toBe('3.1.0');
  const specs = h.app.apiSpecs.filter((s) => !s.hidden);
  const ids = operations().map((o) => o.op.operationId);
  expect(new Set(ids).size).toBe(ids.length);
  expect(ids.sort()).toEqual(specs.map((s) => s.operationId).sort());
  for (const { path, op } of operations()) {
    for (const name of [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1])) {
      expect(op.parameters?.some((p: Json) => p.in === 'path' && p.name === name && p.required)).toBe(true);
    }
    expect(Object.keys(op.responses).length).toBeGreaterThan(0);
    deref(op); // every reference resolves
  }
  expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
});

test('the documented schemas carry the constraints of the zod schemas', () => {
  const start = findOperation('POST', '/cases')!.op.requestBody.content['application/json'].schema;
  expect(start.required).toEqual(expect.arrayContaining(['caseCode', 'province', 'leadAgencyId']));
  expect(start.additionalProperties).toBe(false);
  expect(start.properties.caseCode.pattern).toBeDefined();
  expect(start.properties.province.enum).toContain('VN-DN');
  expect(findOperation('POST', '/cases')!.op.parameters.map((p: Json) => p.name)).toContain('Idempotency-Key');
});

test('every operation: its requests match the documented request schema, and its real answers match the documented responses', async () => {
  for (const [operationId, row] of Object.entries(table)) {
    const who = FIRST_ALLOWED.find((w) => row.expect[w] < 300);
    // A short link's POST succeeds only with its page's cookie and form token: task-links.test.ts.
    if (!who) continue;
    const req = await row.req(who);
    const found = findOperation(req.method, req.url);
    expect([operationId, found?.op.operationId]).toEqual([operationId, operationId]);
    const op = found!.op;
    if (req.body !== undefined && op.requestBody) {
      const validate = ajv.compile(deref(op.requestBody.content['application/json'].schema) as object);
      if (!validate(req.body)) throw new Error(`${operationId}: a request the API accepts does not match its documented schema: ${ajv.errorsText(validate.errors)}`);
    }
    const ok = await h.call(who, req.method, req.url, req.body === undefined ? {} : { body: req.body });
    expect([operationId, ok.status]).toEqual([operationId, row.expect[who]]);
    checkResponse(op, ok.status, String(ok.headers['content-type'] ?? ''), ok.body, `${operationId} as ${who}`);

    for (const denied of ['anonymous', 'admin', 'coordinator'] as Who[]) {
      if (row.expect[denied] < 400) continue;
      const again = await row.req(denied);
      const res = await h.call(denied, again.method, again.url, again.body === undefined ? {} : { body: again.body });
      checkResponse(op, res.status, String(res.headers['content-type'] ?? ''), res.body, `${operationId} as ${denied}`);
    }

    if (op.requestBody && who !== 'anonymous') {
      const again = await row.req(who);
      const bad = await h.call(who, again.method, again.url, { body: { 'not-a-field': true } });
      expect([operationId, bad.status]).toEqual([operationId, 400]);
      checkResponse(op, bad.status, String(bad.headers['content-type'] ?? ''), bad.body, `${operationId} with a bad body`);
    }
  }
});

test('every kind of caller is covered by the table', () => {
  for (const row of Object.values(table)) expect(Object.keys(row.expect).sort()).toEqual([...WHO].sort());
});

test('/docs is a self-contained page: no external scripts, styles or fonts, and a strict CSP', async () => {
  for (const url of ['/docs', '/docs/docs.js', '/docs/docs.css']) {
    const res = await h.call('anonymous', 'GET', url);
    expect(res.status).toBe(200);
    expect(res.text).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)/);
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
  }
  const page = await h.call('anonymous', 'GET', '/docs');
  expect(page.text).toContain('<script src="/docs/docs.js">');
});
