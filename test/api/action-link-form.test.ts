/**
 * The confirmation page of a complete link for a task with outcomes offers one button per
 * outcome; the chosen outcome arrives as an HTML form field and reaches the workflow update.
 * The journeys are real, at identification (the police's decision, which has outcomes, is open).
 */
import { createApiHarness, type ApiHarness } from './support/harness';

let h: ApiHarness;
let formCase: string;
let signedCase: string;
beforeAll(async () => {
  h = await createApiHarness();
  [formCase, signedCase] = await Promise.all([h.openJourney({ stage: 'identification' }), h.openJourney({ stage: 'identification' })]);
});
afterAll(() => h?.close());

/** The journey's record of the completion of `taskKey`: the task, and who completed it with what. */
async function completion(code: string, taskKey: string) {
  const state = await h.state(code);
  const task = state.tasks.find((t) => t.id === `${code}/${taskKey}`)!;
  const entry = state.history.find((e) => e.action === 'completed' && e.taskId === task.id);
  return { task, entry };
}

test('one button per outcome; the form field is the outcome of the update', async () => {
  const code = formCase;
  const { token } = h.security.actionLinks.sign({ action: 'complete', taskId: `${code}/police-verification`, staffId: 'dn-police-caseworker-1', agencyId: 'dn-police' });
  // police-verification has no outcomes: one plain button.
  const plain = await h.call('anonymous', 'GET', `/actions/${token}`);
  expect(plain.text.match(/<button/g)).toHaveLength(1);
  expect(plain.text).toContain('(giờ Việt Nam)');

  const decision = h.security.actionLinks.sign({ action: 'complete', taskId: `${code}/identification-decision`, staffId: 'dn-police-caseworker-1', agencyId: 'dn-police' });
  const page = await h.call('anonymous', 'GET', `/actions/${decision.token}`);
  expect(page.text).toContain('name="outcome" value="victim"');
  expect(page.text).toContain('name="outcome" value="not_victim"');

  // The button of the decision's page: the journey takes the outcome (and, not a victim, closes the case).
  const res = await h.call('anonymous', 'POST', `/actions/${decision.token}`, { body: 'outcome=not_victim', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  expect(res.status).toBe(200);
  const { task, entry } = await completion(code, 'identification-decision');
  expect(task).toMatchObject({ status: 'done', agencyId: 'dn-police', outcome: 'not_victim' });
  expect(entry).toMatchObject({ by: 'dn-police-caseworker-1', detail: 'not_victim' });
});

test('an outcome signed into the link wins over a form field', async () => {
  const code = signedCase;
  const { token } = h.security.actionLinks.sign({ action: 'complete', taskId: `${code}/identification-decision`, staffId: 'dn-police-caseworker-1', agencyId: 'dn-police', outcome: 'victim' });
  const res = await h.call('anonymous', 'POST', `/actions/${token}`, { body: 'outcome=not_victim', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  expect(res.status).toBe(200);
  expect((await completion(code, 'identification-decision')).task).toMatchObject({ outcome: 'victim' });
});
