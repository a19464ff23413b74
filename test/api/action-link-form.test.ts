/**
 * The confirmation page of a complete link for a task with outcomes offers one button per
 * outcome; the chosen outcome arrives as an HTML form field and reaches the workflow update.
 * Fake Temporal: the page and the form, not the journey, are under test here.
 */
import { createApiHarness, uniqueCode, type ApiHarness } from './support/harness';

let h: ApiHarness;
beforeAll(async () => {
  h = await createApiHarness();
});
afterAll(() => h?.close());

test('one button per outcome; the form field is the outcome of the update', async () => {
  const code = uniqueCode();
  await h.fake!.seedCase(code);
  const { token } = h.security.actionLinks.sign({ action: 'complete', taskId: `${code}/police-verification`, staffId: 'dn-police-caseworker-1', agencyId: 'dn-police' });
  // police-verification has no outcomes: one plain button.
  const plain = await h.call('anonymous', 'GET', `/actions/${token}`);
  expect(plain.text.match(/<button/g)).toHaveLength(1);
  expect(plain.text).toContain('(giờ Việt Nam)');

  const decision = h.security.actionLinks.sign({ action: 'complete', taskId: `${code}/identification-decision`, staffId: 'dn-police-caseworker-1', agencyId: 'dn-police' });
  const page = await h.call('anonymous', 'GET', `/actions/${decision.token}`);
  expect(page.text).toContain('name="outcome" value="victim"');
  expect(page.text).toContain('name="outcome" value="not_victim"');

  const res = await h.call('anonymous', 'POST', `/actions/${token}`, { body: 'outcome=not_victim', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  expect(res.status).toBe(200);
  const update = h.fake!.updates.at(-1)!;
  expect(update).toMatchObject({ name: 'completeTask', args: [{ taskId: `${code}/police-verification`, staffId: 'dn-police-caseworker-1', agencyId: 'dn-police', outcome: 'not_victim' }] });
});

test('an outcome signed into the link wins over a form field', async () => {
  const code = uniqueCode();
  await h.fake!.seedCase(code);
  const { token } = h.security.actionLinks.sign({ action: 'complete', taskId: `${code}/police-verification`, staffId: 'dn-police-caseworker-1', agencyId: 'dn-police', outcome: 'victim' });
  const res = await h.call('anonymous', 'POST', `/actions/${token}`, { body: 'outcome=not_victim', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  expect(res.status).toBe(200);
  expect(h.fake!.updates.at(-1)!.args[0]).toMatchObject({ outcome: 'victim' });
});
