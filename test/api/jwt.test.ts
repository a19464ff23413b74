/**
 * OIDC-ready bearer tokens: JWTs checked against a JWKS (a local file, or an https URL),
 * issuer and audience from config. Key pairs are generated here; nothing touches the network.
 */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { JwksUnavailableError, JwtError, JwtVerifier } from '../../src/auth/jwt';
import { createApiHarness, type ApiHarness } from './support/harness';

const ISSUER = 'https://idp.ministry.test/realms/dong-hanh';
const AUDIENCE = 'dong-hanh-api';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dh-jwks-'));
const jwksFile = path.join(dir, 'jwks.json');

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ed = generateKeyPairSync('ed25519');
const rogue = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = (k: KeyObject, kid: string, alg: string) => ({ ...k.export({ format: 'jwk' }), kid, alg, use: 'sig' });
fs.writeFileSync(jwksFile, JSON.stringify({ keys: [jwk(rsa.publicKey, 'rsa-1', 'RS256'), jwk(ec.publicKey, 'ec-1', 'ES256'), jwk(ed.publicKey, 'ed-1', 'EdDSA')] }));

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);
function token(claims: Record<string, unknown>, opts: { alg?: string; kid?: string; key?: KeyObject } = {}) {
  const alg = opts.alg ?? 'RS256';
  const header = { alg, typ: 'JWT', ...(opts.kid !== undefined ? { kid: opts.kid } : { kid: alg === 'ES256' ? 'ec-1' : alg === 'EdDSA' ? 'ed-1' : 'rsa-1' }) };
  const input = `${b64(header)}.${b64(claims)}`;
  const key = opts.key ?? (alg === 'ES256' ? ec.privateKey : alg === 'EdDSA' ? ed.privateKey : rsa.privateKey);
  const signature =
    alg === 'none' ? Buffer.alloc(0) : alg === 'EdDSA' ? sign(null, Buffer.from(input), key) : sign(alg === 'ES256' ? 'sha256' : 'sha256', Buffer.from(input), alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' } : key);
  return `${input}.${signature.toString('base64url')}`;
}
const claims = (extra: Record<string, unknown> = {}) => ({ iss: ISSUER, aud: AUDIENCE, sub: 'user-123', exp: now() + 300, iat: now(), name: 'Võ Thị Thu Hà', ...extra });
const COORDINATOR = { role: 'coordinator', province: 'VN-DN', agency_id: 'dn-health', staff_id: 'dn-health-coordinator-1' };

let h: ApiHarness;
beforeAll(async () => {
  h = await createApiHarness({ jwt: { issuer: ISSUER, audience: AUDIENCE, jwks: jwksFile, roleClaim: 'role' } });
});
afterAll(async () => {
  await h?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test.each([
  ['RS256', 'coordinator'],
  ['ES256', 'coordinator'],
  ['EdDSA', 'coordinator'],
])('a valid %s token of a %s is accepted', async (alg) => {
  const res = await h.call(token(claims(COORDINATOR), { alg }), 'PUT', '/cases/DN-JWT-0001/personal-data', { body: { fullName: 'X' } });
  // The case does not exist: a 404 proves the token got through authentication and the role check.
  expect(res.status).toBe(404);
  expect((await h.call(token(claims(COORDINATOR), { alg }), 'GET', '/cases')).status).toBe(200);
});

test('a staff token acts as its staff member; its role and scope come from the claims', async () => {
  const staff = token(claims({ role: 'staff', province: 'VN-DN', agency_id: 'dn-health', staff_id: 'dn-health-caseworker-1', sub: 'staff-7' }));
  expect((await h.call(staff, 'GET', '/tasks/mine')).status).toBe(200);
  expect((await h.call(staff, 'GET', '/admin/audit')).status).toBe(403);
  const denied = await h.db.prisma.auditEvent.findFirst({ where: { actorId: 'staff-7', action: 'access.denied' } });
  expect(denied).toMatchObject({ actorType: 'jwt', actorRole: 'staff' });
});

test('nested role claims (Keycloak realm_access.roles) work when configured', async () => {
  const verifier = new JwtVerifier({ issuer: ISSUER, audience: AUDIENCE, jwks: jwksFile, roleClaim: 'realm_access.roles' });
  const p = await verifier.verify(token(claims({ realm_access: { roles: ['offline_access', 'manager'] }, province: 'national' })));
  expect(p).toMatchObject({ type: 'jwt', role: 'manager', province: 'national', id: 'user-123', owner: 'Võ Thị Thu Hà' });
});

test.each([
  ['a wrong issuer', () => token(claims({ ...COORDINATOR, iss: 'https://evil.test' }))],
  ['a wrong audience', () => token(claims({ ...COORDINATOR, aud: 'another-api' }))],
  ['an expired token', () => token(claims({ ...COORDINATOR, exp: now() - 3600 }))],
  ['a token not valid yet', () => token(claims({ ...COORDINATOR, nbf: now() + 3600 }))],
  ['no expiry', () => token({ ...claims(COORDINATOR), exp: undefined })],
  ['alg none', () => token(claims(COORDINATOR), { alg: 'none' })],
  ['HS256 (symmetric keys are never accepted)', () => token(claims(COORDINATOR), { alg: 'HS256' })],
  ['an unknown key id', () => token(claims(COORDINATOR), { kid: 'rsa-9' })],
  ['a key not in the JWKS', () => token(claims(COORDINATOR), { key: rogue.privateKey })],
  ['a changed payload', () => { const [h0, , s] = token(claims(COORDINATOR)).split('.'); return `${h0}.${b64(claims({ ...COORDINATOR, role: 'admin' }))}.${s}`; }],
  ['no API role', () => token(claims({ province: 'VN-DN' }))],
  ['two API roles', () => token(claims({ role: ['coordinator', 'admin'], province: 'VN-DN' }))],
  ['a staff role without agency', () => token(claims({ role: 'staff', province: 'VN-DN' }))],
  ['a staff member who is not in the claimed agency', () => token(claims({ ...COORDINATOR, staff_id: 'dn-police-caseworker-1' }))],
  ['garbage', () => 'a.b.c'],
])('%s: 401', async (_what, make) => {
  const res = await h.call(make(), 'GET', '/cases');
  expect(res.status).toBe(401);
  expect(res.headers['content-type']).toContain('application/problem+json');
  expect(res.headers['www-authenticate']).toContain('invalid_token');
});

test('a rotated key is picked up from the JWKS file; a plain http JWKS is refused', async () => {
  const rotating = path.join(dir, 'rotating.json');
  const write = (keys: unknown[]) => fs.writeFileSync(rotating, JSON.stringify({ keys }));
  write([jwk(rsa.publicKey, 'rsa-1', 'RS256')]);
  let clock = Date.now();
  const verifier = new JwtVerifier({ issuer: ISSUER, audience: AUDIENCE, jwks: rotating, roleClaim: 'role' }, () => clock);
  await expect(verifier.verify(token(claims(COORDINATOR)))).resolves.toMatchObject({ role: 'coordinator' });
  write([jwk(rsa.publicKey, 'rsa-1', 'RS256'), jwk(ec.publicKey, 'ec-1', 'ES256')]);
  // Within the cooldown an unknown kid is refused without re-reading …
  await expect(verifier.verify(token(claims(COORDINATOR), { alg: 'ES256' }))).rejects.toThrow(JwtError);
  clock += 31_000;
  // … after it, the new key is read.
  await expect(verifier.verify(token(claims(COORDINATOR), { alg: 'ES256' }))).resolves.toMatchObject({ role: 'coordinator' });
  // Whoever can answer a plain-http request could sign any token.
  expect(() => new JwtVerifier({ issuer: ISSUER, audience: AUDIENCE, jwks: 'http://127.0.0.1:1/jwks', roleClaim: 'role' })).toThrow(/AUTH_JWKS/);
});

test('an unreachable JWKS is the service’s fault: 503 through the API, JwksUnavailableError below', async () => {
  const verifier = new JwtVerifier({ issuer: ISSUER, audience: AUDIENCE, jwks: path.join(dir, 'missing.json'), roleClaim: 'role' });
  await expect(verifier.verify(token(claims(COORDINATOR)))).rejects.toThrow(JwksUnavailableError);
  // Lists only: no journey, so no worker of its own.
  const broken = await createApiHarness({ jwt: { issuer: ISSUER, audience: AUDIENCE, jwks: path.join(dir, 'missing.json'), roleClaim: 'role' }, worker: false });
  try {
    expect((await broken.call(token(claims(COORDINATOR)), 'GET', '/cases')).status).toBe(503);
    // API keys keep working.
    expect((await broken.call('coordinator', 'GET', '/cases')).status).toBe(200);
  } finally {
    await broken.close();
  }
});
