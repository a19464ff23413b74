/**
 * The audit log's request ids are ours, never the caller's (a caller's X-Request-Id is kept
 * beside ours, when plausible); a change to personal data commits with its audit row or not at
 * all; the JWKS comes only from a file or over https.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { JwtVerifier } from '../../src/auth/jwt';
import { ConfigError, parseConfig } from '../../src/config';
import { createApiHarness, uniqueCode, type ApiHarness } from './support/harness';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('request ids', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await createApiHarness({ worker: false });
  });
  afterAll(() => h?.close());

  test("a caller's X-Request-Id is kept beside our own id, never as it", async () => {
    const code = uniqueCode();
    const started = await h.call('coordinator', 'POST', '/cases', { body: { caseCode: code, province: 'VN-DN', leadAgencyId: 'dn-health' }, headers: { 'x-request-id': 'caller-chosen-0001' } });
    expect(started.status).toBe(201);
    const ours = String(started.headers['x-request-id']);
    expect(ours).toMatch(UUID);
    const again = await h.call('coordinator', 'GET', `/cases/${code}/personal-data`, { headers: { 'x-request-id': 'caller-chosen-0001' } });
    expect(String(again.headers['x-request-id'])).not.toBe(ours);
    const rows = await h.db.prisma.auditEvent.findMany({ where: { caseCode: code }, orderBy: { id: 'asc' } });
    expect(rows.map((r) => r.requestId)).toEqual([ours, again.headers['x-request-id']]);
    expect(rows.map((r) => JSON.parse(r.detail ?? '{}').clientRequestId)).toEqual(['caller-chosen-0001', 'caller-chosen-0001']);
    expect(h.logs.some((l) => l.includes('"clientRequestId":"caller-chosen-0001"'))).toBe(true);
    // An implausible value is dropped, not stored.
    const odd = await h.call('coordinator', 'GET', `/cases/${code}/personal-data`, { headers: { 'x-request-id': 'x'.repeat(200) } });
    const last = await h.db.prisma.auditEvent.findFirstOrThrow({ where: { requestId: String(odd.headers['x-request-id']) } });
    expect(last.detail ?? '').not.toContain('xxxx');
  });
});

describe('a personal-data write and its audit row', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await createApiHarness({ worker: false });
  });
  afterAll(async () => {
    for (const code of h?.opened ?? []) await h.journey(code).terminate('test finished').catch(() => undefined);
    await h?.close();
  });

  test('commit together: when the audit row cannot be written, the data is not changed', async () => {
    const code = uniqueCode();
    const res = await h.call('coordinator', 'POST', '/cases', { body: { caseCode: code, province: 'VN-DN', leadAgencyId: 'dn-health', personalData: { fullName: 'Before Change' } } });
    expect(res.status).toBe(201);
    h.opened.push(code);
    const before = await h.db.prisma.casePersonalData.findUniqueOrThrow({ where: { caseCode: code } });
    await h.db.prisma.$executeRawUnsafe('DROP TABLE "AuditEvent"');

    const put = await h.call('coordinator', 'PUT', `/cases/${code}/personal-data`, { body: { fullName: 'Unaudited Change' } });
    expect(put.status).toBeGreaterThanOrEqual(500);
    expect(await h.db.prisma.casePersonalData.findUniqueOrThrow({ where: { caseCode: code } })).toEqual(before);

    const other = uniqueCode();
    const start = await h.call('coordinator', 'POST', '/cases', { body: { caseCode: other, province: 'VN-DN', leadAgencyId: 'dn-health', personalData: { fullName: 'Unaudited Start' } } });
    h.opened.push(other);
    expect(start.status).toBeGreaterThanOrEqual(500);
    expect(await h.db.prisma.casePersonalData.count({ where: { caseCode: other } })).toBe(0);
    expect(await h.db.prisma.caseRequest.count({ where: { caseCode: other } })).toBe(0);
  });
});

describe('the JWKS', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dh-jwks-cfg-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const env = (jwks: string) => ({ DATA_DIR: dir, AUTH_JWT_ISSUER: 'https://idp', AUTH_JWT_AUDIENCE: 'api', AUTH_JWKS: jwks });

  test('over plain http is refused, with an error naming AUTH_JWKS', () => {
    expect(() => parseConfig(env('http://idp.internal/jwks'))).toThrow(ConfigError);
    expect(() => parseConfig(env('HTTP://idp.internal/jwks'))).toThrow(/AUTH_JWKS/);
    expect(() => new JwtVerifier({ issuer: 'https://idp', audience: 'api', jwks: 'http://127.0.0.1/jwks', roleClaim: 'role' })).toThrow(/AUTH_JWKS.*https/);
  });

  test('over https or from a file is accepted', () => {
    expect(parseConfig(env('https://idp.internal/jwks')).access.jwt?.jwks).toBe('https://idp.internal/jwks');
    expect(parseConfig(env('jwks.json')).access.jwt?.jwks).toBe(path.resolve('jwks.json'));
  });
});
