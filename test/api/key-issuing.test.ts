/**
 * An admin cannot mint access to personal data for nobody: staff and coordinator keys name an
 * active staff member of their agency and province. And the last working admin key stays, so
 * keys can always be managed.
 */
import { createApiHarness, type ApiHarness } from './support/harness';

let h: ApiHarness;
beforeAll(async () => {
  // No journey: no worker of its own.
  h = await createApiHarness({ worker: false });
});
afterAll(() => h?.close());

const fieldsOf = (body: unknown) => (body as { errors: { path: string }[] }).errors.map((e) => e.path);

test.each([
  ['a coordinator key with a province only', { owner: 'x', role: 'coordinator', province: 'VN-DN' }, 'agencyId'],
  ['a coordinator key naming no staff member', { owner: 'x', role: 'coordinator', agencyId: 'dn-health', province: 'VN-DN' }, 'staffId'],
  ['a staff key naming no staff member', { owner: 'x', role: 'staff', agencyId: 'dn-police', province: 'VN-DN' }, 'staffId'],
  ['a coordinator key for a staff member of another province', { owner: 'x', role: 'coordinator', agencyId: 'dn-health', province: 'VN-DN', staffId: 'hn-health-coordinator-1' }, 'staffId'],
])('%s is refused with a 400 problem naming the field', async (_what, body, field) => {
  const res = await h.call('admin', 'POST', '/admin/api-keys', { body });
  expect(res.status).toBe(400);
  expect(res.headers['content-type']).toContain('application/problem+json');
  expect(fieldsOf(res.body)).toContain(field);
});

test('a coordinator key of an active staff member works', async () => {
  const res = await h.call('admin', 'POST', '/admin/api-keys', { body: { owner: 'x', role: 'coordinator', agencyId: 'dn-health', province: 'VN-DN', staffId: 'dn-health-coordinator-1' } });
  expect(res.status).toBe(201);
  expect((await h.call((res.body as { key: string }).key, 'GET', '/cases')).status).toBe(200);
});

test('a stored coordinator key without a staff member no longer works', async () => {
  const res = await h.call('admin', 'POST', '/admin/api-keys', { body: { owner: 'x', role: 'coordinator', agencyId: 'dn-health', province: 'VN-DN', staffId: 'dn-health-coordinator-1' } });
  const { id, key } = res.body as { id: string; key: string };
  await h.db.prisma.apiKey.update({ where: { id }, data: { staffId: null, agencyId: null } });
  expect((await h.call(key, 'GET', '/cases')).status).toBe(401);
});

test('the last working admin key cannot be revoked, by itself or by anyone', async () => {
  const adminId = h.keys.admin.split('_')[1]!;
  const own = await h.call('admin', 'DELETE', `/admin/api-keys/${adminId}`);
  expect(own.status).toBe(409);
  expect(own.headers['content-type']).toContain('application/problem+json');
  expect((await h.call('admin', 'GET', '/admin/api-keys')).status).toBe(200);

  const second = await h.call('admin', 'POST', '/admin/api-keys', { body: { owner: 'second admin', role: 'admin' } });
  const { id, key } = second.body as { id: string; key: string };
  expect((await h.call(key, 'DELETE', `/admin/api-keys/${adminId}`)).status).toBe(204);
  expect((await h.call(key, 'DELETE', `/admin/api-keys/${id}`)).status).toBe(409);
  expect((await h.call(key, 'GET', '/admin/api-keys')).status).toBe(200);
});
