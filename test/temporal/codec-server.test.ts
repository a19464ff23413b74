/**
 * The codec server over real HTTP, on a real journey's history from the suite's Temporal server:
 * it decodes for a bearer token of a role that watches journeys, refuses without one (off
 * loopback, and on loopback unless configured), answers CORS only for the UI's origin, and
 * audits every decode.
 */
import os from 'node:os';
import type { AddressInfo } from 'node:net';
import { defaultPayloadConverter } from '@temporalio/common';
import { AuditLog } from '../../src/audit/audit-log';
import { Authenticator } from '../../src/auth/authenticate';
import { buildCodecServer } from '../../src/codec-server';
import { createLogger } from '../../src/logger';
import { AesGcmPayloadCodec, ENCRYPTED_ENCODING } from '../../src/temporal/codec';
import { generateCodecKeySpec, parseCodecKeys } from '../../src/temporal/codec-keys';
import { toPayloadsJson } from '../../src/codec-server/payloads-json';
import { testCodecKeyring } from '../support/codec';
import { createApiHarness, type ApiHarness } from '../api/support/harness';

const UI = 'http://127.0.0.1:8233';
const logger = createLogger('silent');
let h: ApiHarness;
let code: string;
let workflowId: string;
/** The journey's start input as it is stored: ciphertext. */
let storedInput: { payloads: { metadata: Record<string, string>; data: string }[] };
const servers: { close(): Promise<void> }[] = [];

async function codecServer(o: { loopbackWithoutToken: boolean; host?: string }) {
  const app = buildCodecServer({
    codec: new AesGcmPayloadCodec(testCodecKeyring),
    authenticator: new Authenticator(h.db.prisma, null),
    audit: new AuditLog(h.db.prisma),
    allowedOrigins: [UI],
    loopbackWithoutToken: o.loopbackWithoutToken,
    defaultNamespace: 'default',
    rateLimitPerMinute: 10_000,
    logger,
  });
  await app.listen({ host: o.host ?? '127.0.0.1', port: 0 });
  servers.push(app);
  return (app.server.address() as AddressInfo).port;
}

beforeAll(async () => {
  h = await createApiHarness();
  code = await h.openJourney();
  workflowId = h.journey(code).workflowId;
  const history = await h.journey(code).fetchHistory();
  const started = history.events!.find((e) => e.workflowExecutionStartedEventAttributes)!.workflowExecutionStartedEventAttributes!;
  storedInput = toPayloadsJson(started.input!.payloads!) as typeof storedInput;
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await h?.close();
});

const post = (url: string, headers: Record<string, string> = {}, body: unknown = storedInput) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

const decodeAudits = () => h.db.prisma.auditEvent.findMany({ where: { action: 'temporal-payloads.decode' }, orderBy: { id: 'asc' } });

test('the stored start input is ciphertext, and a manager token decodes it to the journey input; audited with the workflow', async () => {
  expect(Buffer.from(storedInput.payloads[0]!.metadata.encoding!, 'base64').toString()).toBe(ENCRYPTED_ENCODING);
  const port = await codecServer({ loopbackWithoutToken: false });
  const before = (await decodeAudits()).length;
  const res = await post(`http://127.0.0.1:${port}/decode`, { authorization: `Bearer ${h.keys.manager}`, 'x-namespace': 'default', 'x-workflow-id': workflowId });
  expect(res.status).toBe(200);
  const body = (await res.json()) as typeof storedInput;
  const input = defaultPayloadConverter.fromPayload({
    metadata: Object.fromEntries(Object.entries(body.payloads[0]!.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
    data: Buffer.from(body.payloads[0]!.data, 'base64'),
  }) as { caseCode: string };
  expect(input.caseCode).toBe(code);
  const audits = (await decodeAudits()).slice(before);
  expect(audits).toHaveLength(1);
  const [row] = audits;
  const keyId = (await h.db.prisma.apiKey.findFirstOrThrow({ where: { owner: 'test manager', staffId: 'dn-health-manager-1' } })).id;
  expect(row).toMatchObject({ actorType: 'api-key', actorId: keyId, actorRole: 'manager', outcome: 'ok', caseCode: code, target: workflowId });
  expect(JSON.parse(row!.detail!)).toMatchObject({ namespace: 'default', workflowId, payloads: 1, keyIds: ['test1'] });
});

test('each decode is its own audit row; the namespace from the path is recorded', async () => {
  const port = await codecServer({ loopbackWithoutToken: false });
  const before = (await decodeAudits()).length;
  for (let i = 0; i < 3; i++) expect((await post(`http://127.0.0.1:${port}/prod-ns/decode`, { authorization: `Bearer ${h.keys.admin}` })).status).toBe(200);
  const rows = (await decodeAudits()).slice(before);
  expect(rows.map((r) => [r.actorRole, JSON.parse(r.detail!).namespace, r.target])).toEqual(Array(3).fill(['admin', 'prod-ns', null]));
});

test('refuses without a token, with a bad token, and for a role that does not watch journeys; nothing decoded', async () => {
  const port = await codecServer({ loopbackWithoutToken: false });
  const url = `http://127.0.0.1:${port}/decode`;
  const before = (await decodeAudits()).length;
  const anonymous = await post(url);
  expect(anonymous.status).toBe(401);
  expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
  expect(await anonymous.text()).not.toContain(code);
  expect((await post(url, { authorization: 'Bearer dh_not_a_key' })).status).toBe(401);
  expect((await post(url, { authorization: `Bearer ${h.keys.revoked}` })).status).toBe(401);
  const staff = await post(url, { authorization: `Bearer ${h.keys.staff}` });
  expect(staff.status).toBe(403);
  expect(((await staff.json()) as { type: string }).type).toBe('urn:dong-hanh:problem:forbidden');
  expect((await decodeAudits()).length).toBe(before);
});

test('loopback without a token only where configured, audited as such; never from another address', async () => {
  const port = await codecServer({ loopbackWithoutToken: true, host: '0.0.0.0' });
  const before = (await decodeAudits()).length;
  const local = await post(`http://127.0.0.1:${port}/decode`);
  expect(local.status).toBe(200);
  const [row] = (await decodeAudits()).slice(before);
  expect(row).toMatchObject({ actorType: 'anonymous', outcome: 'ok' });
  expect(JSON.parse(row!.detail!).credential).toBe('loopback-without-token');

  // The same server reached through this machine's network address is not loopback.
  const lan = Object.values(os.networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal);
  if (!lan) throw new Error('this test needs a non-loopback IPv4 interface');
  expect((await post(`http://${lan.address}:${port}/decode`)).status).toBe(401);
  expect((await post(`http://${lan.address}:${port}/decode`, { authorization: `Bearer ${h.keys.managerNational}` })).status).toBe(200);
});

describe('CORS', () => {
  let url: string;
  beforeAll(async () => {
    url = `http://127.0.0.1:${await codecServer({ loopbackWithoutToken: false })}/decode`;
  });

  test("the UI's origin gets its preflight answered and its responses readable", async () => {
    const preflight = await fetch(url, {
      method: 'OPTIONS',
      headers: { origin: UI, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,x-namespace' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(UI);
    expect(preflight.headers.get('access-control-allow-methods')).toBe('POST');
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/authorization.*content-type.*x-namespace/);
    const res = await post(url, { origin: UI, authorization: `Bearer ${h.keys.manager}` });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(UI);
    expect(res.headers.get('vary')).toMatch(/Origin/);
  });

  test('any other origin is refused, preflight and request, before anything is decoded', async () => {
    const before = (await decodeAudits()).length;
    for (const origin of ['https://evil.example', 'http://127.0.0.1:8234', 'http://localhost:8233']) {
      const preflight = await fetch(url, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } });
      expect([origin, preflight.status, preflight.headers.get('access-control-allow-origin')]).toEqual([origin, 403, null]);
      const res = await post(url, { origin, authorization: `Bearer ${h.keys.manager}` });
      expect([origin, res.status, res.headers.get('access-control-allow-origin')]).toEqual([origin, 403, null]);
    }
    expect((await decodeAudits()).length).toBe(before);
  });
});

test('a payload under an unknown key fails clearly (422, the key named), audited as failed; bad bodies are 400', async () => {
  const port = await codecServer({ loopbackWithoutToken: false });
  const url = `http://127.0.0.1:${port}/decode`;
  const auth = { authorization: `Bearer ${h.keys.manager}` };
  const foreign = await new AesGcmPayloadCodec(parseCodecKeys(generateCodecKeySpec('elsewhere'))).encode([defaultPayloadConverter.toPayload('x')]);
  const before = (await decodeAudits()).length;
  const res = await post(url, auth, toPayloadsJson(foreign));
  expect(res.status).toBe(422);
  expect(((await res.json()) as { detail: string }).detail).toMatch(/codec key "elsewhere", which is not in TEMPORAL_CODEC_KEYS/);
  expect((await decodeAudits()).slice(before).map((r) => r.outcome)).toEqual(['failed']);
  expect((await post(url, auth, { payloads: 'no' })).status).toBe(400);
  // Proto3 JSON of an empty Payloads, as `temporal workflow show --codec-endpoint` sends it.
  const empty = await post(url, auth, {});
  expect([empty.status, await empty.json()]).toEqual([200, { payloads: [] }]);
  expect((await fetch(url, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{"payloads":[' })).status).toBe(400);
  expect((await fetch(`http://127.0.0.1:${port}/decode`, { method: 'GET', headers: auth })).status).toBe(404);
});

test('/encode encrypts with the current key for a valid token, and refuses without one', async () => {
  const port = await codecServer({ loopbackWithoutToken: false });
  const plain = toPayloadsJson([defaultPayloadConverter.toPayload({ note: 'from the UI' })]);
  expect((await post(`http://127.0.0.1:${port}/encode`, {}, plain)).status).toBe(401);
  const res = await post(`http://127.0.0.1:${port}/encode`, { authorization: `Bearer ${h.keys.manager}` }, plain);
  expect(res.status).toBe(200);
  const body = (await res.json()) as typeof storedInput;
  expect(Buffer.from(body.payloads[0]!.metadata.encoding!, 'base64').toString()).toBe(ENCRYPTED_ENCODING);
  expect(Buffer.from(body.payloads[0]!.data, 'base64').toString()).not.toContain('from the UI');
});
