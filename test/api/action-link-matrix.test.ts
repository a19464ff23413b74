/**
 * A one-click link acts with the rights its person has in the API, by the same matrix: a link
 * signed for a manager (who may not act on tasks) is refused, and the task is left as it was.
 */
import { createApiHarness, waitForCase, type ApiHarness } from './support/harness';

let h: ApiHarness;
type Task = { id: string; status: string; agencyId: string };
beforeAll(async () => {
  h = await createApiHarness();
});
afterAll(() => h?.close());

test('a link signed for a manager cannot acknowledge a task, as a page or as JSON', async () => {
  const code = await h.openJourney();
  const task = (await waitForCase<{ tasks: Task[] }>(h, code, (s) => s.tasks.some((t) => t.agencyId === 'dn-health' && t.status === 'open'))).tasks.find((t) => t.agencyId === 'dn-health' && t.status === 'open')!;
  // The API refuses the manager outright …
  expect((await h.call('manager', 'POST', `/cases/${code}/tasks/${task.id.split('/')[1]}/acknowledge`, { body: {} })).status).toBe(403);
  // … and so does a link signed for that manager.
  const { token } = h.security.actionLinks.sign({ action: 'acknowledge', taskId: task.id, staffId: 'dn-health-manager-1', agencyId: 'dn-health' });
  const json = await h.call('anonymous', 'POST', `/actions/${token}`, { body: '', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' } });
  expect(json.status).toBe(403);
  expect(json.headers['content-type']).toContain('application/problem+json');
  const page = await h.call('anonymous', 'POST', `/actions/${token}`, { body: '', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  expect(page.status).toBe(403);
  expect(page.headers['content-type']).toContain('text/html');
  expect((await waitForCase<{ tasks: Task[] }>(h, code, () => true)).tasks.find((t) => t.id === task.id)!.status).toBe('open');
  expect(await h.db.prisma.auditEvent.count({ where: { action: 'access.denied', target: task.id, actorType: 'action-link', actorRole: 'manager' } })).toBe(2);
  expect(await h.db.prisma.actionLinkUse.count({ where: { taskId: task.id } })).toBe(0);
});
