/**
 * The authorisation matrix, cell by cell: every operation of the API × every kind of caller,
 * including staff of another agency and of another province, and expired and revoked keys.
 * The expected table is written out here, independently of src/auth/matrix.ts; a route without a
 * row fails the test. Over HTTP, on a real SQLite database and the suite's Temporal server with a
 * worker: the cases are real journeys, the workflow's own refusals are part of the matrix.
 */
import { AUTHORISATION_MATRIX, PERMISSIONS } from '../../src/auth/matrix';
import { createApiHarness, uniqueCode, WHO, type ApiHarness, type Who } from './support/harness';
import { NEWER_POLICY, prepareOperations, READ_CASE, type Operations } from './support/operations';

let h: ApiHarness;
/** Operation ids, known before the harness exists (describe.each runs at collection time). */
const OPERATIONS = [
  'health', 'readiness', 'openapi', 'metrics',
  'startCase', 'startFamily', 'listCases', 'getCase', 'getPersonalData', 'putPersonalData', 'listNotes',
  'acknowledgeTask', 'completeTask', 'addNote', 'extendDeadline', 'reassignTask', 'declineReferral', 'acceptReferral', 'revokeReferral',
  'closeCase', 'approveClosure', 'rejectClosure', 'choosePlacement', 'freePlaces', 'transferCase', 'recordConsent', 'withdrawConsent', 'recordConsentPart', 'withdrawConsentPart', 'setFollowUpLength', 'upgradePolicy', 'myTasks', 'programmeIndicators', 'programmeReport',
  'listAgencies', 'createAgency', 'updateAgency', 'listStaff', 'createStaff', 'updateStaff', 'listFacilities', 'createFacility', 'updateFacility',
  'getMyPreferences', 'updateMyPreferences', 'setMyAbsence', 'endMyAbsence', 'getStaffPreferences', 'updateStaffPreferences', 'setStaffAbsence', 'endStaffAbsence',
  'createApiKey', 'listApiKeys', 'revokeApiKey', 'queryAudit', 'rotatePersonalDataKeys',
  'showActionLink', 'useActionLink', 'showTaskLink', 'showTaskPage', 'actOnTaskPage',
  'showInbox', 'requestInboxCode', 'signInToInbox', 'actInInbox', 'signOutOfInbox',
];

beforeAll(async () => {
  h = await createApiHarness({ policy: NEWER_POLICY });
  const operations = await prepareOperations(h);
  TABLE = operations.table;
  // Every cell that succeeds changes its journey: open them all now, in parallel.
  await operations.warm(OPERATIONS.flatMap((operationId) => WHO.map((who): [string, Who] => [operationId, who])));
});
afterAll(() => h?.close());

let TABLE: Operations['table'];

test('every operation of the API has a row, and every permission of the matrix is used by a route', async () => {
  const specs = h.app.apiSpecs.filter((s) => !s.hidden);
  expect(Object.keys(TABLE).sort()).toEqual(specs.map((s) => s.operationId).sort());
  expect([...OPERATIONS].sort()).toEqual(Object.keys(TABLE).sort());
  const used = new Set<string>(specs.map((s) => s.access));
  expect(PERMISSIONS.filter((p) => !used.has(p))).toEqual([]);
  expect(Object.keys(AUTHORISATION_MATRIX).length).toBe(PERMISSIONS.length);
});

describe.each(OPERATIONS)('%s', (operationId) => {
  test.each(WHO)('as %s', async (who) => {
    const row = TABLE[operationId]!;
    const expected = row.expect[who];
    const req = await row.req(who);
    const res = await h.call(who, req.method, req.url, req.body === undefined ? {} : { body: req.body });
    if (res.status !== expected) throw new Error(`${operationId} as ${who}: expected ${expected}, got ${res.status}: ${res.text.slice(0, 300)}`);
    if (res.status >= 400) expect(res.headers['content-type']).toMatch(/application\/problem\+json|text\/html/);
  });
});

test('a case out of scope is answered exactly like a case that does not exist', async () => {
  const missing = uniqueCode('DN');
  for (const who of ['staffShelter', 'staffHN', 'coordinatorHN'] as const) {
    for (const suffix of ['', '/personal-data', '/notes']) {
      const hidden = await h.call(who, 'GET', `/cases/${READ_CASE}${suffix}`, { headers: { 'accept-language': 'en' } });
      const absent = await h.call(who, 'GET', `/cases/${missing}${suffix}`, { headers: { 'accept-language': 'en' } });
      expect([hidden.status, absent.status]).toEqual([404, 404]);
      const strip = (b: Record<string, unknown>, code: string) => JSON.parse(JSON.stringify({ ...b, requestId: undefined }).replaceAll(code, 'CODE'));
      expect(strip(hidden.body, READ_CASE)).toEqual(strip(absent.body, missing));
    }
    const act = await h.call(who, 'POST', `/cases/${READ_CASE}/tasks/reception/acknowledge`, { body: {} });
    const actAbsent = await h.call(who, 'POST', `/cases/${missing}/tasks/reception/acknowledge`, { body: {} });
    expect([act.status, actAbsent.status]).toEqual([404, 404]);
  }
});

test('refusals by role are audited as access.denied', async () => {
  await h.call('admin', 'GET', `/cases/${READ_CASE}`);
  const denied = await h.db.prisma.auditEvent.findMany({ where: { action: 'access.denied', actorRole: 'admin' } });
  expect(denied.length).toBeGreaterThan(0);
});

test('every workflow update of the journey contract is reachable through the API', async () => {
  const definitions = await import('../../src/journey/definitions');
  const updates = Object.entries(definitions)
    .filter(([name]) => name.endsWith('Update'))
    .map(([, def]) => (def as { name: string }).name);
  // The updates the journeys of this file accepted, from their histories on the server.
  const reached = new Set<string>();
  for (const code of h.opened) {
    const history = await h.journey(code).fetchHistory();
    for (const event of history.events ?? []) {
      const name = event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name;
      if (name) reached.add(name);
    }
  }
  expect(updates.filter((u) => !reached.has(u))).toEqual([]);
});
