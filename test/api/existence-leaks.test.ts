/**
 * Nothing a caller out of scope gets back tells them a case exists: a taken case code reads like
 * any unavailable code, and an out-of-scope 404 does no more on its response path than an
 * unknown case's (its audit entry is written off the response path).
 */
import { journeyWorkflowId } from '../../src/journey/definitions';
import { createApiHarness, uniqueCode, type ApiHarness, type ApiResponse } from './support/harness';

let h: ApiHarness;
beforeAll(async () => {
  h = await createApiHarness();
});
afterAll(() => h?.close());

/** A response with the parts that must differ (the code, the request id, the date) blanked. */
function comparable(res: ApiResponse, code: string) {
  const headers = { ...res.headers, date: undefined, 'x-request-id': undefined };
  const body = JSON.parse(JSON.stringify({ ...res.body, requestId: undefined }).replaceAll(code, 'CODE'));
  return { status: res.status, headers, body };
}

test('POST /cases with a code in use in another province answers exactly as for a code that is simply unavailable', async () => {
  const foreign = uniqueCode('DN');
  const unavailable = uniqueCode('DN');
  expect(foreign.length).toBe(unavailable.length);
  expect((await h.call('coordinator', 'POST', '/cases', { body: { caseCode: foreign, province: 'VN-DN', leadAgencyId: 'dn-health' } })).status).toBe(201);
  // A journey under the code that this service has no record of (e.g. kept only by Temporal).
  await h.client.workflow.start('notAJourney', { workflowId: journeyWorkflowId(unavailable), taskQueue: `${h.taskQueue}-nobody` });
  try {
    const asHanoi = (caseCode: string) => h.call('coordinatorHN', 'POST', '/cases', { body: { caseCode, province: 'VN-HN', leadAgencyId: 'hn-health' }, headers: { 'accept-language': 'en' } });
    const hidden = await asHanoi(foreign);
    const absent = await asHanoi(unavailable);
    expect(hidden.status).toBe(409);
    expect(comparable(hidden, foreign)).toEqual(comparable(absent, unavailable));
    expect(hidden.body.detail).toBe(`case code ${foreign} is not available; choose another code`);
    expect(hidden.text).not.toMatch(/VN-DN|journey-|different details/);
  } finally {
    await h.client.workflow.getHandle(journeyWorkflowId(unavailable)).terminate('test finished');
  }
});

test('an out-of-scope 404 does not depend on its audit write: it answers exactly like an unknown case even when that write fails', async () => {
  const hiddenCode = uniqueCode('DN');
  const missing = uniqueCode('DN');
  expect((await h.call('coordinator', 'POST', '/cases', { body: { caseCode: hiddenCode, province: 'VN-DN', leadAgencyId: 'dn-health' } })).status).toBe(201);
  const denials = () => h.db.prisma.auditEvent.count({ where: { caseCode: hiddenCode, action: 'access.denied' } });

  // An audit write awaited on the response path would turn this refusal into a 500.
  await h.db.prisma.$executeRawUnsafe(
    `CREATE TRIGGER "test_audit_fails" BEFORE INSERT ON "AuditEvent" WHEN NEW."caseCode" = '${hiddenCode}' BEGIN SELECT RAISE(ABORT, 'audit refused by the test'); END`,
  );
  let hidden: ApiResponse;
  let absent: ApiResponse;
  try {
    hidden = await h.call('staffHN', 'GET', `/cases/${hiddenCode}`, { headers: { 'accept-language': 'en' } });
    absent = await h.call('staffHN', 'GET', `/cases/${missing}`, { headers: { 'accept-language': 'en' } });
  } finally {
    await h.db.prisma.$executeRawUnsafe('DROP TRIGGER "test_audit_fails"');
  }
  expect(hidden.status).toBe(404);
  expect(comparable(hidden, hiddenCode)).toEqual(comparable(absent, missing));
  expect(h.logs.join('')).toMatch(/AUDIT WRITE FAILED/);
  expect(await denials()).toBe(0);

  // With the audit log writable the denial is recorded, after the answer.
  const again = await h.call('staffHN', 'GET', `/cases/${hiddenCode}`, { headers: { 'accept-language': 'en' } });
  expect(again.status).toBe(404);
  for (let i = 0; i < 100 && (await denials()) === 0; i++) await new Promise((r) => setTimeout(r, 50));
  expect(await denials()).toBe(1);
});
