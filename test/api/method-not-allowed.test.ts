/**
 * A path that exists answers a method it does not take with 405 and the methods it does take,
 * so a client sees its mistake; a path that does not exist stays a 404.
 */
import { createApiHarness, type ApiHarness } from './support/harness';

let h: ApiHarness;
beforeAll(async () => {
  // No journey: no worker of its own.
  h = await createApiHarness({ worker: false });
});
afterAll(() => h?.close());

test.each([
  ['DELETE', '/cases', ['GET', 'HEAD', 'POST']],
  ['PATCH', '/cases/DN-2026-0001/personal-data', ['GET', 'HEAD', 'PUT']],
  ['POST', '/admin/api-keys/0123456789abcdef', ['DELETE']],
  ['PUT', '/healthz', ['GET', 'HEAD']],
])('%s %s: 405 with Allow', async (method, url, allowed) => {
  const res = await h.call('coordinator', method, url, method === 'PUT' || method === 'PATCH' || method === 'POST' ? { body: {} } : {});
  expect(res.status).toBe(405);
  expect(res.headers['content-type']).toContain('application/problem+json');
  expect(String(res.headers.allow).split(', ').sort()).toEqual(allowed);
});

test('a path that does not exist is still a 404', async () => {
  const res = await h.call('coordinator', 'GET', '/no-such-thing');
  expect(res.status).toBe(404);
  expect(res.headers.allow).toBeUndefined();
});
