/**
 * Administration and the audit log: keys are issued once and stored hashed, revocation is
 * immediate, scope is checked against the directory; the audit log answers who did what with
 * which credential and request id, and the database refuses to change or delete an event (on
 * SQLite and on PostgreSQL). Rate limits per key.
 */
import { createHash } from 'node:crypto';
import { migrateDatabase } from '../../src/db/migrate';
import { openDatabase } from '../../src/db/client';
import { AuditLog } from '../../src/audit/audit-log';
import { createThrowawayDatabase, PROVIDERS } from '../support/throwaway-database';
import { createApiHarness, uniqueCode, type ApiHarness } from './support/harness';

let h: ApiHarness;
beforeAll(async () => {
  h = await createApiHarness();
});
afterAll(() => h?.close());

test('an issued key works at once for its role and scope, is stored only as a hash, and stops at revocation', async () => {
  const res = await h.call('admin', 'POST', '/admin/api-keys', { body: { owner: 'Trần Văn Minh', role: 'staff', agencyId: 'dn-health', province: 'VN-DN', staffId: 'dn-health-caseworker-2', expiresInDays: 30 } });
  expect(res.status).toBe(201);
  const { id, key } = res.body as { id: string; key: string };
  expect(key).toMatch(/^dh_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
  const row = await h.db.prisma.apiKey.findUniqueOrThrow({ where: { id } });
  expect(row.secretHash).toBe(createHash('sha256').update(key.split('_').slice(2).join('_')).digest('hex'));
  expect(JSON.stringify(row)).not.toContain(key.slice(20));
  const list = await h.call('admin', 'GET', '/admin/api-keys');
  expect(list.text).not.toContain(key.slice(20));
  expect(list.text).not.toContain(row.secretHash);

  expect((await h.call(key, 'GET', '/tasks/mine')).status).toBe(200);
  expect((await h.call(key, 'GET', '/directory/agencies')).status).toBe(403);
  expect((await h.call('admin', 'DELETE', `/admin/api-keys/${id}`)).status).toBe(204);
  expect((await h.call(key, 'GET', '/tasks/mine')).status).toBe(401);
  expect((await h.call('admin', 'DELETE', `/admin/api-keys/${id}`)).status).toBe(404);
});

test.each([
  ['a staff key without an agency', { owner: 'x', role: 'staff', province: 'VN-DN' }, 'agencyId'],
  ['a coordinator key without a province', { owner: 'x', role: 'coordinator' }, 'agencyId'],
  ['an agency of another province', { owner: 'x', role: 'staff', agencyId: 'dn-health', province: 'VN-HN' }, 'province'],
  ['a staff member of another agency', { owner: 'x', role: 'staff', agencyId: 'dn-police', province: 'VN-DN', staffId: 'dn-health-caseworker-1' }, 'staffId'],
  ['an admin key with a scope', { owner: 'x', role: 'admin', province: 'VN-DN' }, 'role'],
  ['an unknown role', { owner: 'x', role: 'root' }, 'role'],
])('%s is refused with a 400 naming the field', async (_what, body, field) => {
  const res = await h.call('admin', 'POST', '/admin/api-keys', { body });
  expect(res.status).toBe(400);
  expect((res.body as { errors: { path: string }[] }).errors.map((e) => e.path)).toContain(field);
});

test('a key whose staff member is deactivated stops working', async () => {
  const res = await h.call('admin', 'POST', '/admin/api-keys', { body: { owner: 'x', role: 'staff', agencyId: 'dn-shelter', province: 'VN-DN', staffId: 'dn-shelter-caseworker-1' } });
  const { key } = res.body as { key: string };
  expect((await h.call(key, 'GET', '/tasks/mine')).status).toBe(200);
  expect((await h.call('admin', 'PATCH', '/directory/staff/dn-shelter-caseworker-1', { body: { active: false } })).status).toBe(200);
  expect((await h.call(key, 'GET', '/tasks/mine')).status).toBe(401);
  await h.call('admin', 'PATCH', '/directory/staff/dn-shelter-caseworker-1', { body: { active: true } });
});

test('the audit log answers who did what, with which credential and request id, and can be filtered', async () => {
  const code = uniqueCode();
  const started = await h.call('coordinator', 'POST', '/cases', { body: { caseCode: code, province: 'VN-DN', leadAgencyId: 'dn-health', personalData: { fullName: 'Audit Person' } }, headers: { 'x-request-id': 'req-audit-000001' } });
  // The request id is ours; the caller's is kept beside it.
  const requestId = String(started.headers['x-request-id']);
  expect(requestId).not.toBe('req-audit-000001');
  await h.call('coordinator', 'GET', `/cases/${code}/personal-data`);
  await h.call('staffHN', 'GET', `/cases/${code}/personal-data`);
  const res = await h.call('admin', 'GET', `/admin/audit?caseCode=${code}`);
  expect(res.status).toBe(200);
  const items = (res.body as { items: { action: string; outcome: string; requestId: string; actor: { type: string; role: string } }[] }).items;
  // The personal data is written (and audited, in the same transaction) before the journey starts.
  expect(items.map((i) => `${i.action}:${i.outcome}:${i.actor.role}`).reverse()).toEqual([
    'personal-data.write:ok:coordinator',
    'case.start:ok:coordinator',
    'personal-data.read:ok:coordinator',
    'access.denied:denied:staff',
  ]);
  expect(items.at(-1)).toMatchObject({ requestId, actor: { type: 'api-key' }, detail: { clientRequestId: 'req-audit-000001' } });
  expect(res.text).not.toContain('Audit Person');
  const reads = await h.call('admin', 'GET', '/admin/audit?action=personal-data.read&limit=1');
  expect((reads.body as { items: unknown[]; nextBefore: number | null }).items).toHaveLength(1);
  // Reading the audit log is itself audited.
  expect(await h.db.prisma.auditEvent.count({ where: { action: 'audit.read' } })).toBeGreaterThanOrEqual(2);
  expect((await h.call('admin', 'GET', '/admin/audit?from=yesterday')).status).toBe(400);
});

describe.each(PROVIDERS)('the audit table on %s', (provider) => {
  test('is append-only: the database refuses UPDATE and DELETE', async () => {
    const target = await createThrowawayDatabase(provider);
    await migrateDatabase(target.url);
    const db = openDatabase(target.url);
    try {
      await new AuditLog(db.prisma).append({ principal: null, requestId: 'r1' }, { action: 'test', outcome: 'ok' });
      const [event] = await db.prisma.auditEvent.findMany();
      // (SQLite's trigger abort reaches Prisma as a constraint error; PostgreSQL's names the rule.)
      const refusal = provider === 'postgresql' ? /append-only/ : /constraint|append-only/i;
      await expect(db.prisma.auditEvent.update({ where: { id: event!.id }, data: { outcome: 'failed' } })).rejects.toThrow(refusal);
      await expect(db.prisma.auditEvent.delete({ where: { id: event!.id } })).rejects.toThrow(refusal);
      await expect(db.prisma.auditEvent.deleteMany({})).rejects.toThrow(refusal);
      expect(await db.prisma.auditEvent.findMany()).toEqual([event]);
    } finally {
      await db.close();
      await target.drop();
    }
  });
});

test('rate limit per key: over the limit a 429 with Retry-After; other keys are unaffected', async () => {
  // Lists only: no journey, so no worker of its own.
  const limited = await createApiHarness({ rateLimitPerMinute: 5, worker: false });
  try {
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await limited.call('coordinator', 'GET', '/cases')).status);
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    const over = await limited.call('coordinator', 'GET', '/cases');
    expect(over.status).toBe(429);
    expect(Number(over.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(over.headers['content-type']).toContain('application/problem+json');
    expect((await limited.call('manager', 'GET', '/cases')).status).toBe(200);
    // Guessing keys is limited per address.
    const guesses: number[] = [];
    for (let i = 0; i < 7; i++) guesses.push((await limited.call(`dh_${'0'.repeat(16)}_${'x'.repeat(43)}`, 'GET', '/cases')).status);
    expect(guesses).toContain(429);
  } finally {
    await limited.close();
  }
});

test('fail closed: when the read cannot be audited, no personal data is returned', async () => {
  // Its own database, whose audit table goes: so its own worker, for its own journey.
  const broken = await createApiHarness();
  try {
    const code = await broken.openJourney();
    expect((await broken.call('coordinator', 'PUT', `/cases/${code}/personal-data`, { body: { fullName: 'Unaudited Reader Target' } })).status).toBe(204);
    await broken.db.prisma.$executeRawUnsafe('DROP TABLE "AuditEvent"');
    const res = await broken.call('coordinator', 'GET', `/cases/${code}/personal-data`);
    expect(res.status).toBeGreaterThanOrEqual(500);
    expect(res.text).not.toContain('Unaudited Reader Target');
    expect(broken.logs.join('')).not.toContain('Unaudited Reader Target');
  } finally {
    await broken.close();
  }
});
