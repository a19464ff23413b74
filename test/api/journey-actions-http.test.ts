/**
 * Task and case actions through the API reach the real journey workflow: the API's arguments
 * pass the workflow's own strict schemas, answers come back, refusals become clear 4xx.
 */
import { createApiKey } from '../../src/auth/api-keys';
import { createApiHarness, uniqueCode, waitForCase, type ApiHarness } from './support/harness';

let h: ApiHarness;
type Task = { id: string; key: string; status: string; assigneeId: string | null; agencyId: string; completeDueAt: string };
type State = { status: string; closureReason?: string; consent: { given: boolean }; transfer?: { toProvince: string; status: string }; tasks: Task[]; history: { action: string }[] };

beforeAll(async () => {
  h = await createApiHarness();
});
afterAll(() => h?.close());

async function newCase() {
  const code = uniqueCode('DN');
  expect((await h.call('coordinator', 'POST', '/cases', { body: { caseCode: code, province: 'VN-DN', leadAgencyId: 'dn-health' } })).status).toBe(201);
  const state = await waitForCase<State>(h, code, (s) => s.tasks.length > 0);
  return { code, task: state.tasks[0]! };
}

test('extend, reassign and complete the reception task; the task list follows', async () => {
  const { code, task } = await newCase();
  // The default policy allows no extension of reception (the person's first day): the refusal says so.
  const extended = await h.call('staff', 'POST', `/cases/${code}/tasks/reception/extend`, { body: { extendBy: '2h', reason: 'interpreter_needed' } });
  expect(extended.status).toBe(422);
  expect((extended.body as { detail: string }).detail).toContain('cannot be extended');
  const reassigned = await h.call('staff', 'POST', `/cases/${code}/tasks/reception/reassign`, { body: { toStaffId: 'dn-health-caseworker-2' } });
  expect(reassigned.status).toBe(200);
  expect(reassigned.body).toMatchObject({ assigneeId: 'dn-health-caseworker-2', agencyId: 'dn-health' });

  const { key } = await createApiKey(h.db.prisma, { owner: 'cw2', role: 'staff', agencyId: 'dn-health', province: 'VN-DN', staffId: 'dn-health-caseworker-2', expiresAt: new Date(Date.now() + 600_000), createdBy: 'test' });
  await waitForCase<State>(h, code, () => true);
  const mine = await h.call(key, 'GET', '/tasks/mine');
  expect((mine.body as { items: { taskId: string; title: { en: string } }[] }).items.map((t) => t.taskId)).toContain(task.id);
  const done = await h.call(key, 'POST', `/cases/${code}/tasks/reception/complete`, { body: {} });
  expect(done.status).toBe(200);
  expect(done.body).toMatchObject({ status: 'done' });
  const outcome = await h.call(key, 'POST', `/cases/${code}/tasks/reception/complete`, { body: { outcome: 'whatever' } });
  expect(outcome.status).toBe(409);
});

test('consent, transfer and closure by the coordinator; a policy upgrade to the same version is a 409', async () => {
  const { code } = await newCase();
  expect((await h.call('coordinator', 'POST', `/cases/${code}/consent`)).body).toMatchObject({ given: true });
  const upgrade = await h.call('coordinator', 'POST', `/cases/${code}/policy-upgrade`);
  expect(upgrade.status).toBe(409);
  const same = await h.call('coordinator', 'POST', `/cases/${code}/transfer`, { body: { toProvince: 'VN-DN', reason: 'person_moved' } });
  expect(same.status).toBe(422);
  const transfer = await h.call('coordinator', 'POST', `/cases/${code}/transfer`, { body: { toProvince: 'VN-HN', reason: 'family_location' } });
  expect(transfer.status).toBe(200);
  expect(transfer.body).toMatchObject({ agencyId: 'hn-health' });
  // The receiving province's coordinator now sees the case: their agency holds its acceptance task.
  await waitForCase<State>(h, code, (s) => s.transfer?.status === 'pending', 'coordinatorHN');
  const asked = await h.call('coordinator', 'POST', `/cases/${code}/close`, { body: { reason: 'lost_contact' } });
  expect(asked.status).toBe(200);
  expect(asked.body).toMatchObject({ status: 'active', closureRequested: true });
  const closed = await h.call('manager', 'POST', `/cases/${code}/closure/approve`);
  expect(closed.status).toBe(200);
  expect(closed.body).toMatchObject({ status: 'closed', closureReason: 'lost_contact' });
  const again = await h.call('coordinator', 'POST', `/cases/${code}/close`, { body: { reason: 'lost_contact' } });
  expect(again.status).toBe(409);
  const audit = await h.db.prisma.auditEvent.findMany({ where: { caseCode: code }, orderBy: { id: 'asc' } });
  expect(audit.map((e) => `${e.action}:${e.outcome}`)).toEqual([
    'case.start:ok',
    'case.consent:ok',
    'case.policy-upgrade:refused',
    'case.transfer:refused',
    'case.transfer:ok',
    'case.close:ok',
    'case.closure-approve:ok',
    'case.close:refused',
  ]);
});

test('a referral declined by the police goes back to the lead agency', async () => {
  const { code } = await newCase();
  // Finish reception so that verification (with the police task) opens.
  await h.call('coordinator', 'POST', `/cases/${code}/tasks/reception/complete`, { body: {} });
  const state = await waitForCase<State>(h, code, (s) => s.tasks.some((t) => t.key === 'police-verification'));
  const police = state.tasks.find((t) => t.key === 'police-verification')!;
  expect(police.agencyId).toBe('dn-police');
  const declined = await h.call('staffPolice', 'POST', `/cases/${code}/tasks/police-verification/decline`, { body: { reason: 'not_competent' } });
  expect(declined.status).toBe(200);
  expect(declined.body).toMatchObject({ agencyId: 'dn-health' });
});

test('a referral to IOM or an NGO by reassignment needs the person’s consent first', async () => {
  const code = await h.openJourney({ stage: 'support-services', plan: ['psychological-support'] });
  const toIom = () => h.call('coordinator', 'POST', `/cases/${code}/tasks/psychological-support/reassign`, { body: { toStaffId: 'dn-iom-caseworker-1' } });
  const refused = await toIom();
  expect(refused.status).toBe(422);
  expect(refused.body).toMatchObject({ detail: expect.stringContaining('consent') });
  expect((await h.state(code)).tasks.find((t) => t.key === 'psychological-support')!.agencyId).toBe('dn-hospital');
  expect((await h.call('coordinator', 'POST', `/cases/${code}/consent`)).status).toBe(200);
  const referred = await toIom();
  expect(referred.status).toBe(200);
  expect(referred.body).toMatchObject({ agencyId: 'dn-iom', assigneeId: 'dn-iom-caseworker-1' });
});

test('the police’s identification decision stays with the police; the lead agency cannot take it over', async () => {
  const code = await h.openJourney({ stage: 'identification' });
  const taken = await h.call('coordinator', 'POST', `/cases/${code}/tasks/identification-decision/reassign`, { body: { toStaffId: 'dn-health-coordinator-1' } });
  expect(taken.status).toBe(403);
  expect(taken.body).toMatchObject({ detail: expect.stringContaining('reserved') });
  const decided = await h.call('coordinator', 'POST', `/cases/${code}/tasks/identification-decision/complete`, { body: { outcome: 'victim' } });
  expect(decided.status).toBe(403);
  // Nor does declining hand it to the lead agency's coordinator.
  const declined = await h.call('staffPolice', 'POST', `/cases/${code}/tasks/identification-decision/decline`, { body: { reason: 'not_competent' } });
  expect(declined.status).toBe(422);
  expect((await h.state(code)).tasks.find((t) => t.key === 'identification-decision')).toMatchObject({ agencyId: 'dn-police', status: 'open' });
});

test('a task moves only to agencies of a kind its policy allows: verification may go to the border guard, not to the shelter', async () => {
  const code = await h.openJourney({ stage: 'initial-verification' });
  const toShelter = await h.call('coordinator', 'POST', `/cases/${code}/tasks/police-verification/reassign`, { body: { toStaffId: 'dn-shelter-caseworker-1' } });
  expect(toShelter.status).toBe(403);
  const toBorder = await h.call('coordinator', 'POST', `/cases/${code}/tasks/police-verification/reassign`, { body: { toStaffId: 'dn-border-guard-caseworker-1' } });
  expect(toBorder.status).toBe(200);
  expect(toBorder.body).toMatchObject({ agencyId: 'dn-border-guard' });
});

test('a support plan chooses at least one service, or says why none is needed', async () => {
  const code = await h.openJourney({ stage: 'support-plan' });
  const plan = (body: unknown) => h.call('staff', 'POST', `/cases/${code}/tasks/needs-assessment/complete`, { body });
  for (const body of [{ plan: [] }, {}]) {
    const empty = await plan(body);
    expect(empty.status).toBe(422);
    expect(empty.body).toMatchObject({ detail: expect.stringContaining('noServicesReason') });
  }
  expect((await plan({ plan: ['legal-aid'], noServicesReason: 'person_declined' })).status).toBe(422);
  const none = await plan({ noServicesReason: 'person_declined' });
  expect(none.status).toBe(200);
  expect(none.body).toMatchObject({ status: 'done' });
});

test('a too-long extension is refused with what really remains of the allowance', async () => {
  const code = await h.openJourney({ stage: 'identification' });
  const extend = (extendBy: string) => h.call('staffPolice', 'POST', `/cases/${code}/tasks/identification-decision/extend`, { body: { extendBy, reason: 'waiting_for_documents' } });
  const tooLong = await extend('8d');
  expect(tooLong.status).toBe(422);
  expect((tooLong.body as { detail: string }).detail).toMatch(/at most 7d in all; up to 7d remain$/);
  expect((await extend('2d')).status).toBe(200);
  expect(((await extend('6d')).body as { detail: string }).detail).toMatch(/up to 5d remain$/);
});

test('consent in parts: sharing alone lets a task go to IOM; withdrawing it, then one service, cancels only those tasks', async () => {
  const code = await h.openJourney({ stage: 'support-services', plan: ['psychological-support', 'legal-aid', 'medical-care'] });
  const part = (body: unknown, withdraw = false) => h.call('coordinator', 'POST', `/cases/${code}/consent/parts${withdraw ? '/withdraw' : ''}`, { body });
  for (const [body, status] of [
    [{ part: 'service' }, 422],
    [{ part: 'sharing', service: 'legal-aid' }, 422],
    [{ part: 'service', service: 'massage' }, 422],
    [{ part: 'sharing', givenBy: 'neighbour' }, 400],
    [{ part: 'sharing', extra: 1 }, 400],
  ] as const) {
    expect((await part(body)).status).toBe(status);
  }
  const shared = await part({ part: 'sharing', givenBy: 'legal_representative' });
  expect(shared.status).toBe(200);
  expect(shared.body).toMatchObject({ given: false, sharing: { given: true, by: 'dn-health-coordinator-1', givenBy: 'legal_representative' } });
  const referred = await h.call('coordinator', 'POST', `/cases/${code}/tasks/psychological-support/reassign`, { body: { toStaffId: 'dn-iom-caseworker-1' } });
  expect(referred.status).toBe(200);

  expect((await part({ part: 'sharing' }, true)).status).toBe(200);
  const withdrawn = await part({ part: 'service', service: 'legal-aid' }, true);
  expect(withdrawn.body).toMatchObject({ sharing: { given: false }, services: { 'legal-aid': { given: false } } });
  const state = await waitForCase<State>(h, code, (s) => s.tasks.filter((t) => t.status === 'cancelled').length === 2);
  expect(Object.fromEntries(state.tasks.map((t) => [t.key, t.status]))).toMatchObject({
    'psychological-support': 'cancelled',
    'legal-aid': 'cancelled',
    'medical-care': 'open',
  });
  expect(state.status).toBe('active');
  // Consent as a whole records who gave it.
  expect((await h.call('coordinator', 'POST', `/cases/${code}/consent`, { body: { givenBy: 'guardian' } })).body).toMatchObject({ given: true, givenBy: 'guardian' });
});

test('a referral is accepted by the receiving agency, once; the lead agency revokes a referral it made', async () => {
  const code = await h.openJourney({ stage: 'initial-verification' });
  const task = (who: string, action: string, body?: unknown) => h.call(who, 'POST', `/cases/${code}/tasks/police-verification/${action}`, body === undefined ? undefined : { body });
  expect((await task('staff', 'accept')).status).toBe(403); // dn-health does not hold it
  const accepted = await task('staffPolice', 'accept');
  expect(accepted.status).toBe(200);
  expect(accepted.body).toMatchObject({ agencyId: 'dn-police', status: 'acknowledged' });
  expect((await task('staffPolice', 'accept')).status).toBe(409);
  expect((await task('staffPolice', 'decline', { reason: 'no_capacity' })).status).toBe(409);
  // Placed with the police by the policy: there is nothing to revoke it to.
  const notReferred = await task('coordinator', 'revoke');
  expect(notReferred.status).toBe(422);
  expect(notReferred.body).toMatchObject({ detail: expect.stringContaining('nothing to revoke') });

  expect((await task('coordinator', 'reassign', { toStaffId: 'dn-border-guard-caseworker-1' })).body).toMatchObject({ agencyId: 'dn-border-guard' });
  // The receiving agency cannot take it back for the lead.
  const { key: border } = await createApiKey(h.db.prisma, { owner: 'bg1', role: 'staff', agencyId: 'dn-border-guard', province: 'VN-DN', staffId: 'dn-border-guard-caseworker-1', expiresAt: new Date(Date.now() + 600_000), createdBy: 'test' });
  expect((await task(border, 'revoke')).status).toBe(403);
  const revoked = await task('coordinator', 'revoke');
  expect(revoked.status).toBe(200);
  expect(revoked.body).toMatchObject({ agencyId: 'dn-police', status: 'open' });
  expect((await task('coordinator', 'revoke', { reason: 'x' })).status).toBe(400);
});

test('a case’s follow-up length is set within the policy’s bounds', async () => {
  const { code } = await newCase();
  const set = (body: unknown, who = 'coordinator') => h.call(who, 'POST', `/cases/${code}/follow-up-length`, { body });
  const short = await set({ times: 5 });
  expect(short.status).toBe(422);
  expect(short.body).toMatchObject({ detail: expect.stringContaining('between 6 and 12') });
  expect((await set({ times: 'twelve' })).status).toBe(400);
  expect((await set({ times: 8, stage: 'reception' })).status).toBe(422);
  expect((await set({ times: 8 }, 'staff')).status).toBe(403);
  const set8 = await set({ times: 8 });
  expect(set8.status).toBe(200);
  expect(set8.body).toEqual({ stage: 'follow-up', times: 8 });
  expect((await waitForCase<State & { repeatTimes?: Record<string, number> }>(h, code, (s) => s.repeatTimes !== undefined)).repeatTimes).toEqual({ 'follow-up': 8 });
});
