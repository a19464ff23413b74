/**
 * National scope is said, never assumed: a manager key or token must name a province or say
 * "national"; one that names neither is refused, and so is a stored key without a province.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApiHarness, type ApiHarness } from './support/harness';

const ISSUER = 'https://idp.ministry.test/realms/dong-hanh';
const AUDIENCE = 'dong-hanh-api';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dh-national-'));
const jwksFile = path.join(dir, 'jwks.json');
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
fs.writeFileSync(jwksFile, JSON.stringify({ keys: [{ ...rsa.publicKey.export({ format: 'jwk' }), kid: 'rsa-1', alg: 'RS256', use: 'sig' }] }));
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
function token(extra: Record<string, unknown>) {
  const now = Math.floor(Date.now() / 1000);
  const input = `${b64({ alg: 'RS256', typ: 'JWT', kid: 'rsa-1' })}.${b64({ iss: ISSUER, aud: AUDIENCE, sub: 'manager-1', exp: now + 300, ...extra })}`;
  return `${input}.${sign('sha256', Buffer.from(input), rsa.privateKey).toString('base64url')}`;
}

let h: ApiHarness;
beforeAll(async () => {
  h = await createApiHarness({ jwt: { issuer: ISSUER, audience: AUDIENCE, jwks: jwksFile, roleClaim: 'role' }, worker: false });
});
afterAll(async () => {
  await h?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a manager key without a province is refused at issue; "national" must be said', async () => {
  const none = await h.call('admin', 'POST', '/admin/api-keys', { body: { owner: 'x', role: 'manager' } });
  expect(none.status).toBe(400);
  expect(none.headers['content-type']).toContain('application/problem+json');
  expect((none.body as { errors: { path: string }[] }).errors.map((e) => e.path)).toContain('province');
  const national = await h.call('admin', 'POST', '/admin/api-keys', { body: { owner: 'x', role: 'manager', province: 'national' } });
  expect(national.status).toBe(201);
  expect((await h.call((national.body as { key: string }).key, 'GET', '/indicators?period=2026')).status).toBe(200);
});

test('a stored manager key without a province no longer works (it would be national)', async () => {
  const res = await h.call('admin', 'POST', '/admin/api-keys', { body: { owner: 'x', role: 'manager', province: 'VN-DN' } });
  const { id, key } = res.body as { id: string; key: string };
  await h.db.prisma.apiKey.update({ where: { id }, data: { province: null } });
  expect((await h.call(key, 'GET', '/cases')).status).toBe(401);
});

test('only a manager may be national', async () => {
  const res = await h.call('admin', 'POST', '/admin/api-keys', { body: { owner: 'x', role: 'coordinator', province: 'national', agencyId: 'dn-health', staffId: 'dn-health-coordinator-1' } });
  expect(res.status).toBe(400);
  expect((await h.call(token({ role: 'coordinator', province: 'national', agency_id: 'dn-health', staff_id: 'dn-health-coordinator-1' }), 'GET', '/cases')).status).toBe(401);
});

test('a manager token without a province claim is a 401; with "national" it is national', async () => {
  const missing = await h.call(token({ role: 'manager' }), 'GET', '/cases');
  expect(missing.status).toBe(401);
  expect(missing.text).toMatch(/province/);
  expect((await h.call(token({ role: 'manager', province: 'national' }), 'GET', '/cases')).status).toBe(200);
  expect((await h.call(token({ role: 'manager', province: 'VN-DN' }), 'GET', '/cases')).status).toBe(200);
});
