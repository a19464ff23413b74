/**
 * A failed follow-up check-in reopens support: the second needs assessment is task
 * "needs-assessment.2", and that is the id the API shows and the key it acts on.
 */
import { loadPolicy } from '../../src/policy';
import { advanceTo, complete, openTask } from '../support/journey-steps';
import { createApiHarness, uniqueCode, waitForCase, type ApiHarness } from './support/harness';

type Task = { id: string; key: string; status: string; agencyId: string };
type State = { stage: string; tasks: Task[] };

// The default journey with check-ins a second apart, so a real server reaches follow-up at once.
const policy = loadPolicy('default');
policy.stages.find((s) => s.key === 'follow-up')!.repeat = { every: '1s', times: 2 };

let h: ApiHarness;
beforeAll(async () => {
  h = await createApiHarness({ policy });
});
afterAll(() => h?.close());

test('the reopened round’s task is shown and acted on by its own id', async () => {
  const code = uniqueCode('DN');
  expect((await h.call('coordinator', 'POST', '/cases', { body: { caseCode: code, province: 'VN-DN', leadAgencyId: 'dn-health' } })).status).toBe(201);
  h.opened.push(code);
  const handle = h.journey(code);
  await waitForCase<State>(h, code, (s) => s.tasks.length > 0);
  await advanceTo(handle, 'reintegration', ['legal-aid']);
  await complete(handle, 'community-reintegration');
  await complete(handle, 'social-worker-handover');
  await openTask(handle, 'follow-up-check-in');
  await complete(handle, 'follow-up-check-in', { outcome: 'needs_support' });

  const id = `${code}/needs-assessment.2`;
  const shown = await waitForCase<State>(h, code, (s) => s.tasks.some((t) => t.id === id));
  expect(shown.tasks.filter((t) => t.key === 'needs-assessment').map((t) => [t.id, t.status])).toEqual([
    [`${code}/needs-assessment`, 'done'],
    [id, 'open'],
  ]);
  // The task list's taskKey is the one to put in the action paths.
  const mine = await h.call('staff', 'GET', '/tasks/mine');
  expect((mine.body as { items: { taskId: string; taskKey: string }[] }).items.filter((t) => t.taskId.startsWith(`${code}/`))).toEqual([
    expect.objectContaining({ taskId: id, taskKey: 'needs-assessment.2', title: expect.objectContaining({ en: 'Assess needs and agree a support plan' }) }),
  ]);

  // The page a notification links to tells how to act on this round's task, not on the first one.
  const page = await h.call('anonymous', 'GET', `/tasks/${encodeURIComponent(id)}`);
  expect(page.status).toBe(200);
  expect(page.text).toContain(`POST /cases/${code}/tasks/needs-assessment.2/acknowledge`);
  expect(page.text).toContain('Assess needs and agree a support plan');

  // The round's own key acts on it; the first round's key names the done task.
  const old = await h.call('staff', 'POST', `/cases/${code}/tasks/needs-assessment/acknowledge`, { body: {} });
  expect(old.status).toBe(409);
  const acted = await h.call('staff', 'POST', `/cases/${code}/tasks/needs-assessment.2/complete`, { body: { plan: ['legal-aid'] } });
  expect(acted.status).toBe(200);
  expect(acted.body).toMatchObject({ id, status: 'done' });
  const again = await waitForCase<State>(h, code, (s) => s.tasks.some((t) => t.id === `${code}/legal-aid.2`));
  expect(again.tasks.find((t) => t.id === `${code}/legal-aid.2`)).toMatchObject({ key: 'legal-aid', status: 'open' });
}, 60_000);
