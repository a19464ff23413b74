/**
 * The journey's rules as plain functions, without a Temporal server or a database: staff actions,
 * transfers, consent in parts, answering referrals, follow-up length, policy change and the change tracker. The clock is Date.now, pinned per test.
 * Run alone with `TEMPORAL_TEST_ADDRESS=none npx jest test/workflows/rules.test.ts` (no server starts).
 */
import { ApplicationFailure } from '@temporalio/common';
import type { AgencyKind } from '../../src/domain/agencies';
import type { JourneyState, Placement, TaskState } from '../../src/journey/definitions';
import { loadPolicy } from '../../src/policy';
import { JourneyPolicy } from '../../src/policy/schema';
import { taskPolicyOf } from '../../src/policy/tasks';
import { ChangeTracker } from '../../src/workflows/change-tracker';
import { holds, Journey } from '../../src/workflows/journey-state';
import { APPROVAL_STAGE, assertCanDecide, decide } from '../../src/workflows/closure-approval';
import { assertCanChangePolicy, changePolicy } from '../../src/workflows/policy-change';
import * as consent from '../../src/workflows/consent';
import { assertCanSetFollowUpLength, setFollowUpLength } from '../../src/workflows/follow-up-length';
import * as referrals from '../../src/workflows/referrals';
import * as rules from '../../src/workflows/staff-rules';
import { assertCanTransfer, requestTransfer, settleTransfer, TRANSFER_STAGE, type TransferDirectory } from '../../src/workflows/transfer';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.parse('2026-11-29T01:00:00.000Z');
let now = T0;
beforeEach(() => {
  now = T0;
  jest.spyOn(Date, 'now').mockImplementation(() => now);
});
afterEach(() => jest.restoreAllMocks());

const policy = loadPolicy('default');
const lead = { staffId: 'coordinator', agencyId: 'dn-health' };
const agencyOf = (kind: AgencyKind) => (kind === 'health_dept' ? 'dn-health' : `dn-${kind}`);

function newJourney(p: JourneyPolicy = policy) {
  return new Journey({ caseCode: 'DN-RULES', province: 'VN-DN', leadAgencyId: 'dn-health', policy: p }, new Date(now).toISOString());
}

/** A journey in stage `key`, its tasks placed with the Đà Nẵng agency of their kind. */
function journeyAt(key: string, setup: (j: Journey) => void = () => {}) {
  const j = newJourney();
  setup(j);
  const stage = policy.stages.find((s) => s.key === key)!;
  j.startStage(stage, 0);
  const tasks = j.tasksToOpen(stage).map((t) => j.addTask(j.draftTask(stage.key, t), { agencyId: agencyOf(t.agency), assigneeId: `${agencyOf(t.agency)}-cw` }));
  return { j, tasks, task: tasks[0]! };
}

const actor = (t: TaskState) => ({ taskId: t.id, staffId: 'tester', agencyId: t.agencyId });

/** "Type: message" of the ApplicationFailure `fn` throws. */
function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof ApplicationFailure && error.nonRetryable) return `${error.type}: ${error.message}`;
    throw error;
  }
  throw new Error('expected a refusal, but the action was allowed');
}

describe('the procedure', () => {
  test('a new journey starts in the first stage and logs its opening with the policy version', () => {
    const j = newJourney();
    expect(j.state).toMatchObject({ stage: 'reception', status: 'active', policy: { id: 'vn-default', version: 1 } });
    expect(j.state.history).toEqual([{ seq: 1, at: '2026-11-29T01:00:00.000Z', action: 'case-opened', detail: 'vn-default v1' }]);
  });

  test('verification counts its 3 days from the case opening, and a recurring task gets a numbered id', () => {
    const j = newJourney();
    now = T0 + 2 * DAY;
    const verify = policy.stages[1]!.tasks[0]!;
    const draft = j.draftTask('initial-verification', verify);
    expect(draft).toMatchObject({ id: 'DN-RULES/verify-initial-information', completeDueAt: new Date(T0 + 3 * DAY).toISOString() });
    j.addTask(draft, { agencyId: 'dn-health', assigneeId: null });
    expect(j.draftTask('initial-verification', verify).id).toBe('DN-RULES/verify-initial-information.2');
  });

  test('a support stage opens only the services the plan chose', () => {
    const { tasks } = journeyAt('support-services', (j) => (j.state.plan = ['legal-aid', 'medical-care']));
    expect(tasks.map((t) => [t.key, t.agencyId])).toEqual([
      ['medical-care', 'dn-health_facility'],
      ['legal-aid', 'dn-legal_aid'],
    ]);
  });

  test('closing cancels the open tasks, and a task placed after closing is born cancelled', () => {
    const { j, task } = journeyAt('reception');
    j.close('deceased', 'coordinator');
    expect(task.status).toBe('cancelled');
    expect(j.state.history.slice(-2).map((h) => [h.action, h.detail])).toEqual([
      ['task-cancelled', undefined],
      ['case-closed', 'deceased'],
    ]);
    const late = j.addTask(j.draftTask('reception', policy.stages[0]!.tasks[0]!), { agencyId: 'dn-health', assigneeId: null });
    expect(late.status).toBe('cancelled');
  });
});

describe('acknowledge', () => {
  test('only the holding agency acknowledges an open task, once', () => {
    const { j, task } = journeyAt('reception');
    expect(refusal(() => rules.assertCanAcknowledge(j, { ...actor(task), agencyId: 'dn-police' }))).toBe(`TaskOfAnotherAgency: task ${task.id} belongs to another agency`);
    expect(refusal(() => rules.assertCanAcknowledge(j, { ...actor(task), taskId: 'DN-RULES/nope' }))).toBe('TaskNotFound: case DN-RULES has no task DN-RULES/nope');
    now = T0 + HOUR;
    rules.assertCanAcknowledge(j, actor(task));
    rules.acknowledge(j, actor(task));
    expect(task).toMatchObject({ status: 'acknowledged', acknowledgedAt: new Date(T0 + HOUR).toISOString(), escalationLevel: 0 });
    expect(refusal(() => rules.assertCanAcknowledge(j, actor(task)))).toMatch(/^TaskAlreadyAcknowledged: /);
  });

  test('nothing is acknowledged on a closed case', () => {
    const { j, task } = journeyAt('reception');
    j.close('deceased');
    expect(refusal(() => rules.assertCanAcknowledge(j, actor(task)))).toBe('CaseClosed: case DN-RULES is closed');
  });
});

describe('complete', () => {
  test('a decision needs one of its outcomes; other tasks take none', () => {
    const { j, task } = journeyAt('identification');
    expect(refusal(() => rules.assertCanComplete(j, actor(task)))).toBe(`InvalidOutcome: task ${task.id} needs an outcome, one of: victim, not_victim`);
    expect(refusal(() => rules.assertCanComplete(j, { ...actor(task), outcome: 'maybe' }))).toMatch(/^InvalidOutcome: /);
    const reception = journeyAt('reception');
    expect(refusal(() => rules.assertCanComplete(reception.j, { ...actor(reception.task), outcome: 'victim' }))).toBe(`InvalidOutcome: task ${reception.task.id} takes no outcome`);
  });

  test('"not a victim" opens the referral to other services and closes as closed-referred only after it', () => {
    const { j, task } = journeyAt('identification');
    rules.complete(j, { ...actor(task), outcome: 'not_victim' });
    expect(task).toMatchObject({ status: 'done', outcome: 'not_victim', acknowledgedAt: new Date(T0).toISOString() });
    expect(j.state).toMatchObject({ status: 'active', closingAfterOpened: 'closed_referred' });
    expect(j.takeOpenRequest().map((r) => [r.stage, r.policy.key, r.policy.agency])).toEqual([['identification', 'referral-to-other-services', 'health_dept']]);
    expect(j.outcomeTasksPending('identification')).toBe(false);
  });

  test('an outcome that only closes (policies written before outcome tasks) closes at once; a done task cannot be completed again', () => {
    const p = structuredClone(policy);
    p.stages.find((s) => s.key === 'identification')!.tasks[0]!.outcomes!.not_victim = { closesCase: 'not_a_victim' };
    const j = newJourney(p);
    const stage = p.stages.find((s) => s.key === 'identification')!;
    j.startStage(stage, 0);
    const task = j.addTask(j.draftTask(stage.key, stage.tasks[0]!), { agencyId: 'dn-police', assigneeId: null });
    rules.complete(j, { ...actor(task), outcome: 'not_victim' });
    expect(j.state).toMatchObject({ status: 'closed', closureReason: 'not_a_victim' });
    expect(j.state.history.at(-1)).toMatchObject({ action: 'case-closed', by: 'tester', detail: 'not_a_victim' });
    expect(j.takeOpenRequest()).toEqual([]);
    expect(refusal(() => rules.assertCanComplete(j, actor(task)))).toMatch(/^CaseClosed: /);
  });

  test('a check-in finding the person re-trafficked opens the urgent police task and reopens support; lost contact opens tracing', () => {
    const { j, task } = journeyAt('follow-up');
    rules.complete(j, { ...actor(task), outcome: 're_trafficked' });
    const [police] = j.takeOpenRequest();
    expect([police!.stage, police!.policy.key, police!.policy.agency, police!.policy.ladder]).toEqual(['follow-up', 're-trafficking-response', 'police', 'urgent']);
    expect(j.takeReopenRequest()).toEqual(['support-plan', 'support-services']);
    const again = journeyAt('follow-up');
    rules.complete(again.j, { ...actor(again.task), outcome: 'lost_contact' });
    expect(again.j.takeOpenRequest().map((r) => r.policy.key)).toEqual(['tracing']);
    expect(again.j.active).toBe(true);
  });

  test('a failed check-in asks the main loop to run support again', () => {
    const { j, task } = journeyAt('follow-up');
    rules.complete(j, { ...actor(task), outcome: 'needs_support' });
    expect(j.takeReopenRequest()).toEqual(['support-plan', 'support-services']);
    expect(j.takeReopenRequest()).toEqual([]);
    expect(j.active).toBe(true);
  });

  test('a support plan names offered services, each once, and NGO referrals only with consent', () => {
    const { j, task } = journeyAt('support-plan');
    const plan = (p: string[]) => refusal(() => rules.assertCanComplete(j, { ...actor(task), plan: p }));
    expect(plan(['massage'])).toMatch(/^InvalidPlan: "massage" is not a service of the plan; choose from: shelter-placement, /);
    expect(plan(['legal-aid', 'legal-aid'])).toBe('InvalidPlan: the plan names a service twice');
    expect(plan(['return-home'])).toBe('ConsentRequired: record the person\'s consent before referring "return-home" to IOM/an NGO');
    rules.recordConsent(j, lead);
    rules.assertCanComplete(j, { ...actor(task), plan: ['return-home', 'legal-aid'] });
    rules.complete(j, { ...actor(task), plan: ['return-home', 'legal-aid'] });
    expect(j.state.plan).toEqual(['return-home', 'legal-aid']);
    expect(refusal(() => rules.assertCanComplete(j, actor(task)))).toBe(`TaskAlreadyDone: task ${task.id} is already done`);
  });

  test('an empty plan is refused unless it says why no service is needed', () => {
    const { j, task } = journeyAt('support-plan');
    for (const u of [{ plan: [] }, {}]) expect(refusal(() => rules.assertCanComplete(j, { ...actor(task), ...u }))).toMatch(/^InvalidPlan: choose at least one service .*noServicesReason/);
    expect(refusal(() => rules.assertCanComplete(j, { ...actor(task), plan: ['legal-aid'], noServicesReason: 'other' }))).toMatch(/^InvalidPlan: /);
    rules.assertCanComplete(j, { ...actor(task), noServicesReason: 'person_declined' });
    rules.complete(j, { ...actor(task), noServicesReason: 'person_declined' });
    expect(j.state.plan).toEqual([]);
    expect(j.state.history.at(-1)).toMatchObject({ action: 'completed', detail: 'no-services:person_declined' });
  });

  test('a task that makes no plan takes none', () => {
    const { j, task } = journeyAt('reception');
    expect(refusal(() => rules.assertCanComplete(j, { ...actor(task), plan: [] }))).toBe(`InvalidPlan: task ${task.id} does not make a support plan`);
  });
});

describe('notes', () => {
  test('a done task still takes notes; a cancelled one does not', () => {
    const { j, tasks } = journeyAt('initial-verification');
    const [verify, police] = tasks as [TaskState, TaskState];
    rules.complete(j, actor(verify));
    rules.assertCanAddNote(j, { ...actor(verify), noteId: 'n1' });
    rules.addNote(j, { ...actor(verify), noteId: 'n1' });
    expect(j.state.history.at(-1)).toMatchObject({ action: 'note-added', taskId: verify.id, detail: 'n1' });
    j.close('deceased');
    expect(refusal(() => rules.assertCanAddNote(j, { ...actor(police), noteId: 'n2' }))).toBe('CaseClosed: case DN-RULES is closed');
  });
});

describe('extensions', () => {
  test('all extensions of a task together stay within the policy cap', () => {
    const { j, task } = journeyAt('identification'); // complete within 7d, at most 7d more
    const due = Date.parse(task.completeDueAt);
    rules.assertCanExtend(j, { ...actor(task), extendBy: '2d', reason: 'capacity' });
    rules.extend(j, { ...actor(task), extendBy: '2d', reason: 'capacity' });
    expect(task).toMatchObject({ status: 'acknowledged', extendedMs: 2 * DAY, revision: 1, completeDueAt: new Date(due + 2 * DAY).toISOString() });
    expect(refusal(() => rules.assertCanExtend(j, { ...actor(task), extendBy: '6d', reason: 'capacity' }))).toBe(
      `ExtensionExceedsCap: task ${task.id} may be extended by at most 7d in all; up to 5d remain`,
    );
    rules.assertCanExtend(j, { ...actor(task), extendBy: '5d', reason: 'capacity' });
    expect(refusal(() => rules.assertCanExtend(j, { ...actor(task), extendBy: '0s', reason: 'capacity' }))).toBe('InvalidInput: extendBy must be longer than zero');
  });

  test('what remains is said in the largest exact unit, also for a cap under an hour', () => {
    const p = structuredClone(policy);
    p.stages.find((s) => s.key === 'identification')!.tasks[0]!.maxExtension = '20m';
    const j = newJourney(p);
    const stage = p.stages.find((s) => s.key === 'identification')!;
    j.startStage(stage, 0);
    const task = j.addTask(j.draftTask(stage.key, stage.tasks[0]!), { agencyId: 'dn-police', assigneeId: null });
    expect(refusal(() => rules.assertCanExtend(j, { ...actor(task), extendBy: '1h', reason: 'other' }))).toMatch(/at most 20m in all; up to 20m remain$/);
    rules.extend(j, { ...actor(task), extendBy: '20m', reason: 'other' });
    expect(refusal(() => rules.assertCanExtend(j, { ...actor(task), extendBy: '1m', reason: 'other' }))).toMatch(/at most 20m in all; none remains$/);
  });

  test('the law’s 3-day verification deadline has no extension at all', () => {
    const { j, task } = journeyAt('initial-verification');
    expect(refusal(() => rules.assertCanExtend(j, { ...actor(task), extendBy: '1h', reason: 'other' }))).toBe(`ExtensionExceedsCap: the deadline of task ${task.id} cannot be extended`);
  });
});

describe('reassignment and referral', () => {
  test('the holding agency reassigns within itself; the new person acknowledges afresh, the completion deadline stays', () => {
    const { j, tasks } = journeyAt('initial-verification');
    const police = tasks[1]!;
    rules.acknowledge(j, actor(police));
    now = T0 + 5 * HOUR;
    const u = { ...actor(police), toAgencyId: 'dn-police', toStaffId: 'dn-police-2' };
    rules.assertCanReassign(j, u);
    const completeDueAt = police.completeDueAt;
    rules.reassign(j, u);
    expect(police).toMatchObject({ assigneeId: 'dn-police-2', status: 'open', revision: 1, completeDueAt, acknowledgeDueAt: new Date(now + DAY).toISOString() });
    expect(police.acknowledgedAt).toBeUndefined();
  });

  test('only the lead agency refers a task to another agency, and it may act on tasks it referred', () => {
    const { j, tasks } = journeyAt('initial-verification');
    const police = tasks[1]!;
    expect(refusal(() => rules.assertCanReassign(j, { ...actor(police), toAgencyId: 'dn-border_guard', toStaffId: 'x' }))).toBe(
      `TaskOfAnotherAgency: only the lead agency can refer task ${police.id} to another agency; reassign within dn-police`,
    );
    rules.assertCanReassign(j, { ...actor(police), ...lead, toAgencyId: 'dn-border_guard', toAgencyKind: 'border_guard', toStaffId: 'x' });
    expect(refusal(() => rules.assertCanReassign(j, { ...actor(police), ...lead, toAgencyId: 'dn-border_guard', toStaffId: 'x' }))).toBe(
      `InvalidInput: toAgencyKind: needed to move task ${police.id} to another agency`,
    );
    expect(refusal(() => rules.assertCanReassign(j, { ...actor(police), agencyId: 'dn-shelter', toAgencyId: 'dn-police', toStaffId: 'x' }))).toMatch(/^TaskOfAnotherAgency: .*belongs to another agency/);
  });

  test('a task reaches only the kinds its policy allows, and never leaves the police when it is their decision', () => {
    const { j, tasks } = journeyAt('initial-verification');
    const police = tasks[1]!;
    expect(refusal(() => rules.assertCanReassign(j, { ...actor(police), ...lead, toAgencyId: 'dn-health', toAgencyKind: 'health_dept', toStaffId: 'x' }))).toBe(
      `TaskOfAnotherAgency: task ${police.id} is the work of police, not health_dept; it may be referred to: police, border_guard`,
    );
    rules.assertCanReassign(j, { ...actor(police), ...lead, toAgencyId: 'dn-police-2', toAgencyKind: 'police', toStaffId: 'x' });
    const decision = journeyAt('identification');
    const d = decision.task;
    const take = { ...actor(d), ...lead, toAgencyId: 'dn-health', toAgencyKind: 'health_dept' as const, toStaffId: 'coordinator' };
    expect(refusal(() => rules.assertCanReassign(decision.j, take))).toBe(`TaskOfAnotherAgency: task ${d.id} is the work of police, not health_dept; it is reserved to them`);
    expect(refusal(() => rules.assertCanDecline(decision.j, { ...actor(d), reason: 'not_competent' }))).toBe(`NotAReferral: task ${d.id} is a decision reserved to police; it cannot be declined`);
    rules.assertCanReassign(decision.j, { ...actor(d), toAgencyId: 'dn-police', toStaffId: 'dn-police-2' });
  });

  test('a referral to a kind the policy names (IOM and NGOs by default) needs the person’s consent, as a plan does', () => {
    const { j, task } = journeyAt('support-services', (j) => (j.state.plan = ['legal-aid']));
    const toNgo = { ...actor(task), ...lead, toAgencyId: 'dn-iom', toAgencyKind: 'ngo' as const, toStaffId: 'x' };
    expect(refusal(() => rules.assertCanReassign(j, toNgo))).toBe(`ConsentRequired: record the person's consent before referring task ${task.id} to IOM/an NGO`);
    rules.recordConsent(j, lead);
    rules.assertCanReassign(j, toNgo);
    // The policy, not the code, says which kinds need consent: here legal aid does too.
    const p = { ...structuredClone(policy), consentRequiredFor: ['ngo' as const, 'legal_aid' as const] };
    const strict = newJourney(p);
    const stage = p.stages.find((s) => s.key === 'support-plan')!;
    strict.startStage(stage, 0);
    const planTask = strict.addTask(strict.draftTask(stage.key, stage.tasks[0]!), { agencyId: 'dn-health', assigneeId: null });
    expect(refusal(() => rules.assertCanComplete(strict, { ...actor(planTask), plan: ['legal-aid'] }))).toMatch(/^ConsentRequired: .*"legal-aid" to legal_aid$/);
  });

  test('a declined referral returns to the lead agency’s coordinator with fresh deadlines; the lead’s own task is no referral', () => {
    const { j, tasks } = journeyAt('initial-verification');
    const [own, police] = tasks as [TaskState, TaskState];
    expect(refusal(() => rules.assertCanDecline(j, { ...actor(own), reason: 'no_capacity' }))).toBe(`NotAReferral: task ${own.id} is the lead agency's own, not a referral`);
    now = T0 + 2 * DAY;
    rules.decline(j, { ...actor(police), reason: 'not_competent' }, { agencyId: 'dn-health', assigneeId: 'dn-health-coordinator' });
    expect(police).toMatchObject({
      agencyId: 'dn-health',
      assigneeId: 'dn-health-coordinator',
      status: 'open',
      revision: 1,
      acknowledgeDueAt: new Date(now + DAY).toISOString(),
      completeDueAt: new Date(now + 3 * DAY).toISOString(),
    });
  });

  test('declining re-checks the rule: a referral done meanwhile is not taken back', () => {
    const { j, tasks } = journeyAt('initial-verification');
    const police = tasks[1]!;
    rules.complete(j, actor(police));
    expect(refusal(() => rules.decline(j, { ...actor(police), reason: 'other' }, { agencyId: 'dn-health', assigneeId: null }))).toMatch(/^TaskAlreadyDone: /);
    expect(police.status).toBe('done');
  });
});

describe('consent and closing', () => {
  test('only the lead agency records consent; withdrawing it closes the case', () => {
    const { j, task } = journeyAt('reception');
    expect(refusal(() => rules.assertCanRecordConsent(j, { staffId: 'x', agencyId: 'dn-police' }))).toBe('NotLeadAgency: only the lead agency (dn-health) can do this');
    expect(rules.recordConsent(j, lead)).toEqual({ given: true, at: new Date(T0).toISOString(), by: 'coordinator' });
    rules.withdrawConsent(j, lead);
    expect(j.state).toMatchObject({ status: 'closed', closureReason: 'consent_withdrawn', consent: { given: false } });
    expect(task.status).toBe('cancelled');
  });

  test('only the lead agency closes the case, with its reason', () => {
    const { j } = journeyAt('reception');
    expect(refusal(() => rules.assertCanClose(j, { staffId: 'x', agencyId: 'dn-police', reason: 'deceased' }))).toMatch(/^NotLeadAgency: /);
    expect(rules.closeCase(j, { ...lead, reason: 'deceased' })).toEqual({ status: 'closed', closureReason: 'deceased' });
  });
});

describe('closure approval (four eyes)', () => {
  /** A request as requestClosure leaves it, with its approval task placed with a manager. */
  function pending() {
    const { j } = journeyAt('reception');
    const draft = j.draftTask(APPROVAL_STAGE, policy.closureApproval!);
    j.state.closureRequest = { reason: 'deceased', requestedBy: 'coordinator', requestedAt: new Date(now).toISOString(), approvalTaskId: draft.id };
    const approval = j.addTask(draft, { agencyId: 'dn-health', assigneeId: 'dn-health-manager-1' });
    return { j, approval };
  }
  const manager = { staffId: 'dn-health-manager-1', agencyId: 'dn-health' };

  test('the requester may not approve; anyone else of the role decides; a second request waits', () => {
    const { j, approval } = pending();
    expect(refusal(() => assertCanDecide(j, { staffId: 'coordinator', agencyId: 'dn-health' }, true))).toMatch(/^SameApprover: four eyes: coordinator asked/);
    expect(refusal(() => rules.assertCanClose(j, { ...lead, reason: 'transferred' }))).toMatch(/^ClosurePending: /);
    expect(refusal(() => rules.assertCanComplete(j, { taskId: approval.id, ...lead, outcome: 'approved' }))).toMatch(/^InvalidInput: .*settled by a manager/);
    assertCanDecide(j, manager, true);
    decide(j, manager, true);
    expect(approval).toMatchObject({ status: 'done', outcome: 'approved' });
    expect(j.state.closureRequest).toBeUndefined();
    expect(refusal(() => assertCanDecide(j, manager, true))).toMatch(/^NoClosureRequest: /);
  });

  test('a rejection leaves the case open; closing another way drops a pending request', () => {
    const { j, approval } = pending();
    decide(j, { ...manager, reason: 'support_not_finished' }, false);
    expect(approval.outcome).toBe('rejected');
    expect(j.state.status).toBe('active');
    expect(j.state.history.at(-1)).toMatchObject({ action: 'closure-rejected', by: manager.staffId, detail: 'support_not_finished' });
    const other = pending();
    rules.withdrawConsent(other.j, lead);
    expect(other.j.state.closureRequest).toBeUndefined();
    expect(other.approval.status).toBe('cancelled');
  });
});

describe('transfer', () => {
  const request = { ...lead, toProvince: 'VN-HN', reason: 'person_moved' } as const;

  function directory(placement: Placement = { agencyId: 'hn-health', assigneeId: 'hn-health-cw' }) {
    const calls: [string, Record<string, unknown>][] = [];
    const fake = {
      openTask: async (t: Record<string, unknown>) => (calls.push(['openTask', t]), placement),
      placeTask: async (t: Record<string, unknown>) => (calls.push(['placeTask', t]), { agencyId: `hn-of-${t.taskId}`, assigneeId: null }),
    };
    return { fake: fake as unknown as TransferDirectory, calls };
  }

  test('only the lead agency asks, for another province, one transfer at a time', async () => {
    const { j } = journeyAt('reception');
    expect(refusal(() => assertCanTransfer(j, { ...request, agencyId: 'dn-police' }))).toMatch(/^NotLeadAgency: /);
    expect(refusal(() => assertCanTransfer(j, { ...request, toProvince: 'VN-DN' }))).toBe('SameProvince: the case is already in VN-DN');
    assertCanTransfer(j, request);
    const { fake, calls } = directory();
    const acceptance = await requestTransfer(j, request, fake);
    expect(calls).toEqual([['openTask', expect.objectContaining({ id: 'DN-RULES/transfer-acceptance', province: 'VN-HN', agencyKind: 'health_dept', leadAgencyId: 'dn-health' })]]);
    expect(acceptance).toMatchObject({ stage: TRANSFER_STAGE, agencyId: 'hn-health', status: 'open', completeDueAt: new Date(T0 + 3 * DAY).toISOString() });
    expect(j.state.transfer).toEqual({ toProvince: 'VN-HN', taskId: acceptance.id, status: 'pending' });
    expect(refusal(() => assertCanTransfer(j, { ...request, toProvince: 'VN-SG' }))).toBe('TransferPending: a transfer to VN-HN is waiting for acceptance');
  });

  test('the acceptance task takes accepted or refused, and stays in the receiving province', async () => {
    const { j } = journeyAt('reception');
    const acceptance = await requestTransfer(j, request, directory().fake);
    expect(refusal(() => rules.assertCanComplete(j, actor(acceptance)))).toBe(`InvalidOutcome: task ${acceptance.id} needs an outcome, one of: accepted, refused`);
    rules.assertCanComplete(j, { ...actor(acceptance), outcome: 'accepted' });
    expect(refusal(() => rules.assertCanReassign(j, { ...actor(acceptance), ...lead, toAgencyId: 'dn-health', toStaffId: 'x' }))).toBe(
      `TaskOfAnotherAgency: only the receiving province accepts a transfer; ${acceptance.id} stays with hn-health`,
    );
    rules.assertCanReassign(j, { ...actor(acceptance), toAgencyId: 'hn-health', toStaffId: 'hn-health-cw2' });
  });

  test('with no health department there, the sending lead agency holds the task and may only refuse', async () => {
    const { j } = journeyAt('reception');
    const acceptance = await requestTransfer(j, request, directory({ agencyId: 'dn-health', assigneeId: null }).fake);
    expect(refusal(() => rules.assertCanComplete(j, { ...actor(acceptance), outcome: 'accepted' }))).toBe(
      "TaskOfAnotherAgency: only the receiving province's health department can accept the transfer to VN-HN",
    );
    rules.assertCanComplete(j, { ...actor(acceptance), outcome: 'refused' });
  });

  test('an accepted transfer moves the case, its lead agency and its open tasks, one placement at a time', async () => {
    const { j, tasks } = journeyAt('initial-verification');
    const { fake, calls } = directory();
    const acceptance = await requestTransfer(j, request, fake);
    rules.complete(j, { ...actor(acceptance), outcome: 'accepted' });
    expect(await settleTransfer(j, acceptance, fake)).toBe('accepted');
    expect(j.state).toMatchObject({ province: 'VN-HN', leadAgencyId: 'hn-health', transfer: { status: 'accepted' } });
    expect(calls.slice(1)).toEqual(
      tasks.map((t) => ['placeTask', { taskId: t.id, province: 'VN-HN', agencyKind: j.policyOf(t).agency, leadAgencyId: 'hn-health' }]),
    );
    expect(tasks.map((t) => [t.agencyId, t.revision])).toEqual(tasks.map((t) => [`hn-of-${t.id}`, 1]));
    expect(j.state.history.filter((h) => h.action.startsWith('transfer-')).map((h) => h.action)).toEqual(['transfer-requested', 'transfer-accepted']);
  });

  test('a refused transfer moves nothing', async () => {
    const { j, task } = journeyAt('reception');
    const { fake, calls } = directory();
    const acceptance = await requestTransfer(j, request, fake);
    rules.complete(j, { ...actor(acceptance), outcome: 'refused' });
    expect(await settleTransfer(j, acceptance, fake)).toBe('refused');
    expect(j.state).toMatchObject({ province: 'VN-DN', leadAgencyId: 'dn-health', transfer: { status: 'refused' } });
    expect(calls.map(([name]) => name)).toEqual(['openTask']);
    expect(task).toMatchObject({ agencyId: 'dn-health', revision: 0 });
    assertCanTransfer(j, request); // no longer pending: it may be asked again
  });

  test('the acceptance task is policy data, found like any other task', () => {
    expect(taskPolicyOf(policy, 'transfer-acceptance')).toMatchObject({ agency: 'health_dept', clock: 'task', outcomes: { accepted: {}, refused: {} }, completeWithin: '3d' });
    expect(taskPolicyOf(policy, 'transfer-acceptance.2')).toBe(policy.transferAcceptance);
    expect(taskPolicyOf(policy, 'follow-up-check-in.3')?.agency).toBe('commune_committee');
    expect(taskPolicyOf(policy, 'nope')).toBeUndefined();
  });
});

describe('policy change', () => {
  const v2 = (change: (p: JourneyPolicy) => void = () => {}) => {
    const p = structuredClone(policy);
    p.version = 2;
    change(p);
    return p;
  };

  test('only the lead agency moves the journey, and only to a newer version of its own policy', () => {
    const { j } = journeyAt('reception');
    expect(refusal(() => assertCanChangePolicy(j, { staffId: 'x', agencyId: 'dn-police', policy: v2() }))).toMatch(/^NotLeadAgency: /);
    expect(refusal(() => assertCanChangePolicy(j, { ...lead, policy }))).toBe('PolicyNotNewer: the journey follows vn-default v1; only a newer version of vn-default can replace it');
    expect(refusal(() => assertCanChangePolicy(j, { ...lead, policy: v2((p) => (p.id = 'other')) }))).toMatch(/^PolicyNotNewer: /);
  });

  test('the new version must still have the current stage and every task the journey has', () => {
    const { j } = journeyAt('initial-verification');
    const withoutStage = v2((p) => (p.stages[1]!.key = 'verification'));
    expect(refusal(() => assertCanChangePolicy(j, { ...lead, policy: withoutStage }))).toBe('PolicyNotNewer: vn-default v2 has no stage "initial-verification", where this journey is now');
    const withoutTask = v2((p) => (p.stages[1]!.tasks = p.stages[1]!.tasks.filter((t) => t.key !== 'police-verification')));
    expect(refusal(() => assertCanChangePolicy(j, { ...lead, policy: withoutTask }))).toBe('PolicyNotNewer: vn-default v2 has no task "police-verification", which this journey has');
  });

  test('a newer version takes over what comes next; deadlines already set stay', () => {
    const { j, task } = journeyAt('reception');
    const next = v2((p) => (p.stages[0]!.tasks[0]!.completeWithin = '2d'));
    const due = task.completeDueAt;
    assertCanChangePolicy(j, { ...lead, policy: next });
    expect(changePolicy(j, { ...lead, policy: next })).toEqual({ id: 'vn-default', version: 2 });
    expect(j.policy).toBe(next);
    expect(task.completeDueAt).toBe(due);
    expect(j.policyOf(task).completeWithin).toBe('2d');
    expect(j.state.history.at(-1)).toMatchObject({ action: 'policy-changed', by: 'coordinator', detail: 'v1→v2' });
  });
});

describe('change tracker', () => {
  test('each take carries the tasks touched and the history added since the last one', () => {
    const { j, tasks } = journeyAt('initial-verification');
    const first = j.changes.take();
    expect(first.summary).toEqual({ caseCode: 'DN-RULES', province: 'VN-DN', leadAgencyId: 'dn-health', policy: { id: 'vn-default', version: 1 }, stage: 'initial-verification', status: 'active', openedAt: new Date(T0).toISOString(), closedAt: undefined, closureReason: undefined });
    expect(first.tasks.map((t) => t.key)).toEqual(['verify-initial-information', 'police-verification']);
    expect(first.history.map((h) => h.action)).toEqual(['case-opened', 'stage-started', 'task-opened', 'task-opened']);
    expect(j.changes.take()).toMatchObject({ tasks: [], history: [] });

    rules.acknowledge(j, actor(tasks[1]!));
    const second = j.changes.take();
    expect(second.tasks.map((t) => [t.key, t.status])).toEqual([['police-verification', 'acknowledged']]);
    expect(second.history.map((h) => [h.seq, h.action])).toEqual([[5, 'acknowledged']]);
  });

  test('a journey resumed after continue-as-new does not write its carried-over history again', () => {
    const { j } = journeyAt('reception');
    const carried: JourneyState = structuredClone(j.state);
    const resumed = new Journey({ caseCode: 'DN-RULES', province: 'VN-DN', leadAgencyId: 'dn-health', policy, resume: { state: carried, position: { stage: 'reception', round: 0 } } }, 'ignored');
    expect(resumed.changes.take()).toMatchObject({ tasks: [], history: [] });
    const fresh = new ChangeTracker(carried);
    expect(fresh.take().history).toHaveLength(carried.history.length);
  });
});

describe('conditions on case facts', () => {
  test('a condition holds when every fact it names holds; a case not known to be a child’s is an adult’s', () => {
    expect(holds(undefined, undefined)).toBe(true);
    expect(holds({ notifiedBy: ['border_guard', 'coast_guard'] }, { notifiedBy: 'coast_guard' })).toBe(true);
    expect(holds({ notifiedBy: ['border_guard'] }, { notifiedBy: 'police' })).toBe(false);
    expect(holds({ notifiedBy: ['border_guard'] }, undefined)).toBe(false);
    expect(holds({ child: true }, { child: true })).toBe(true);
    expect(holds({ child: true }, {})).toBe(false);
    expect(holds({ child: false }, {})).toBe(true);
    expect(holds({ child: true, notifiedBy: ['border_guard'] }, { child: true, notifiedBy: 'hotline' })).toBe(false);
  });

  test('a plan may choose only services whose condition the case meets', () => {
    const p = structuredClone(policy);
    const interpreter = p.stages.find((s) => s.key === 'support-services')!.tasks.find((t) => t.key === 'interpreter')!;
    interpreter.when = { child: true };
    const planFor = (child: boolean) => {
      const j = new Journey({ caseCode: 'DN-RULES', province: 'VN-DN', leadAgencyId: 'dn-health', policy: p, facts: { child } }, new Date(now).toISOString());
      const stage = p.stages.find((s) => s.key === 'support-plan')!;
      j.startStage(stage, 0);
      const [task] = j.tasksToOpen(stage).map((t) => j.addTask(j.draftTask(stage.key, t), { agencyId: 'dn-health', assigneeId: 'dn-health-cw' }));
      return () => rules.assertCanComplete(j, { ...actor(task!), plan: ['interpreter'] });
    };
    expect(refusal(planFor(false))).toMatch(/^InvalidPlan: "interpreter" is not a service of the plan/);
    expect(planFor(true)()).toBeUndefined();
  });
});

describe('consent in parts', () => {
  const sharing = { ...lead, part: 'sharing' } as const;
  const service = (key: string) => ({ ...lead, part: 'service', service: key }) as const;

  test('withdrawing sharing cancels only the tasks with organisations outside the state system, and keeps them from being referred', () => {
    const { j, tasks } = journeyAt('support-services', (j) => {
      j.state.plan = ['legal-aid', 'return-home'];
      rules.recordConsent(j, lead);
    });
    const [legal, home] = tasks as [TaskState, TaskState];
    expect(home.agencyId).toBe('dn-ngo');
    consent.assertCanWithdrawPart(j, sharing);
    consent.withdrawPart(j, sharing);
    expect([legal.status, home.status]).toEqual(['open', 'cancelled']);
    expect(j.state).toMatchObject({ status: 'active', consent: { given: true, sharing: { given: false, by: 'coordinator' } } });
    expect(j.state.history.find((h) => h.action === 'task-cancelled')).toMatchObject({ taskId: home.id, detail: 'consent-withdrawn:sharing' });
    const toNgo = { ...actor(legal), ...lead, toAgencyId: 'dn-iom', toAgencyKind: 'ngo' as const, toStaffId: 'x' };
    expect(refusal(() => rules.assertCanReassign(j, toNgo))).toMatch(/^ConsentRequired: /);
    // Recorded again, on its own: referrals to NGOs are possible again.
    consent.recordPart(j, { ...sharing, givenBy: 'person' });
    rules.assertCanReassign(j, toNgo);
  });

  test('consent to share alone is enough for an NGO referral; a referred task is cancelled when sharing is withdrawn', () => {
    const { j, task } = journeyAt('support-services', (j) => (j.state.plan = ['legal-aid']));
    consent.recordPart(j, sharing);
    rules.reassign(j, { ...actor(task), ...lead, toAgencyId: 'dn-iom', toAgencyKind: 'ngo', toStaffId: 'dn-iom-cw' });
    consent.withdrawPart(j, sharing);
    expect(task.status).toBe('cancelled');
  });

  test('withdrawing one service cancels its task and keeps it out of plans and stages; other services go on', () => {
    const { j, tasks } = journeyAt('support-services', (j) => (j.state.plan = ['medical-care', 'legal-aid']));
    const [medical, legal] = tasks as [TaskState, TaskState];
    expect(refusal(() => consent.assertCanWithdrawPart(j, service('massage')))).toMatch(/^InvalidInput: service: "massage" is not a service of the policy/);
    expect(refusal(() => consent.assertCanWithdrawPart(j, { ...lead, part: 'service' }))).toMatch(/^InvalidInput: service: needed/);
    consent.withdrawPart(j, service('legal-aid'));
    expect([medical.status, legal.status]).toEqual(['open', 'cancelled']);
    expect(j.active).toBe(true);
    const stage = policy.stages.find((s) => s.key === 'support-services')!;
    expect(j.tasksToOpen(stage).map((t) => t.key)).toEqual(['medical-care']);
    const plan = journeyAt('support-plan');
    consent.withdrawPart(plan.j, service('legal-aid'));
    expect(refusal(() => rules.assertCanComplete(plan.j, { ...actor(plan.task), plan: ['legal-aid'] }))).toBe('ConsentRequired: the person withdrew consent to receive "legal-aid"');
    rules.assertCanComplete(plan.j, { ...actor(plan.task), plan: ['medical-care'] });
  });

  test('withdrawing consent as a whole still closes the case, parts or not', () => {
    const { j } = journeyAt('support-services', (j) => (j.state.plan = ['legal-aid']));
    consent.recordPart(j, service('legal-aid'));
    rules.withdrawConsent(j, lead);
    expect(j.state).toMatchObject({ status: 'closed', closureReason: 'consent_withdrawn', consent: { given: false, services: { 'legal-aid': { given: true } } } });
  });

  test('a consent recorded before parts existed is still read as consent to share', () => {
    const { j, task } = journeyAt('support-services', (j) => (j.state.plan = ['legal-aid']));
    j.state.consent = { given: true, at: new Date(T0).toISOString(), by: 'coordinator' }; // the old shape
    rules.assertCanReassign(j, { ...actor(task), ...lead, toAgencyId: 'dn-iom', toAgencyKind: 'ngo', toStaffId: 'x' });
    expect(j.sharingAllowed).toBe(true);
  });

  test('for a child, consent is given by a guardian or legal representative, never by the child alone', () => {
    const { j } = journeyAt('reception', (j) => Object.assign(j.state, { facts: { child: true } }));
    expect(refusal(() => rules.assertCanRecordConsent(j, lead))).toMatch(/^GuardianConsentRequired: this is a child's case/);
    expect(refusal(() => rules.assertCanRecordConsent(j, { ...lead, givenBy: 'person' }))).toMatch(/^GuardianConsentRequired: /);
    expect(refusal(() => consent.assertCanRecordPart(j, { ...sharing, givenBy: 'person' }))).toMatch(/^GuardianConsentRequired: /);
    rules.assertCanRecordConsent(j, { ...lead, givenBy: 'guardian' });
    expect(rules.recordConsent(j, { ...lead, givenBy: 'guardian' })).toMatchObject({ given: true, by: 'coordinator', givenBy: 'guardian' });
    consent.assertCanRecordPart(j, { ...service('legal-aid'), givenBy: 'legal_representative' });
    expect(consent.recordPart(j, { ...service('legal-aid'), givenBy: 'legal_representative' }).services).toEqual({
      'legal-aid': { given: true, at: new Date(T0).toISOString(), by: 'coordinator', givenBy: 'legal_representative' },
    });
    // An adult's case takes the person's own word.
    const adult = journeyAt('reception');
    rules.assertCanRecordConsent(adult.j, { ...lead, givenBy: 'person' });
  });
});

describe('answering referrals', () => {
  function referred() {
    const { j, task } = journeyAt('support-services', (j) => (j.state.plan = ['shelter-placement']));
    const from = { agencyId: task.agencyId, assigneeId: task.assigneeId };
    rules.reassign(j, { ...actor(task), ...lead, toAgencyId: 'dn-shelter-2', toAgencyKind: 'shelter', toStaffId: 'dn-shelter-2-cw' });
    return { j, task, from };
  }

  test('the receiving agency accepts a referral, once; then it can no longer decline it', () => {
    const { j, task } = referred();
    expect(j.state.referrals![task.id]).toMatchObject({ from: { agencyId: 'dn-shelter' }, toAgencyId: 'dn-shelter-2', status: 'pending' });
    expect(refusal(() => referrals.assertCanAccept(j, { ...actor(task), agencyId: 'dn-shelter' }))).toMatch(/^TaskOfAnotherAgency: /);
    referrals.assertCanAccept(j, actor(task));
    referrals.accept(j, actor(task));
    expect(task.status).toBe('acknowledged');
    expect(j.state.referrals![task.id]!.status).toBe('accepted');
    expect(refusal(() => referrals.assertCanAccept(j, actor(task)))).toMatch(/^ReferralAlreadyAccepted: /);
    expect(refusal(() => rules.assertCanDecline(j, { ...actor(task), reason: 'no_capacity' }))).toMatch(/^ReferralAlreadyAccepted: /);
  });

  test('the lead’s own task, and a decision reserved by law, are no referral to accept', () => {
    const { j, tasks } = journeyAt('initial-verification');
    expect(refusal(() => referrals.assertCanAccept(j, actor(tasks[0]!)))).toMatch(/^NotAReferral: .*lead agency's own/);
    referrals.accept(j, actor(tasks[1]!)); // the police's verification, placed by the policy
    expect(j.state.referrals![tasks[1]!.id]).toMatchObject({ status: 'accepted', toAgencyKind: 'police' });
    expect(j.state.referrals![tasks[1]!.id]!.from).toBeUndefined();
    const decision = journeyAt('identification');
    expect(refusal(() => referrals.assertCanAccept(decision.j, actor(decision.task)))).toMatch(/^NotAReferral: .*reserved to police; it cannot be accepted/);
  });

  test('the lead agency revokes a referral, accepted or not: the task returns to its earlier holder with a fresh acknowledgement', () => {
    const { j, task, from } = referred();
    referrals.accept(j, actor(task));
    expect(refusal(() => referrals.assertCanRevoke(j, { ...actor(task), agencyId: 'dn-shelter-2' }))).toMatch(/^NotLeadAgency: /);
    now = T0 + DAY;
    referrals.assertCanRevoke(j, { ...actor(task), ...lead });
    referrals.revoke(j, { ...actor(task), ...lead });
    expect(task).toMatchObject({ ...from, status: 'open', acknowledgeDueAt: new Date(now + DAY).toISOString() });
    expect(j.state.referrals![task.id]).toBeUndefined();
    expect(j.state.history.at(-1)).toMatchObject({ action: 'referral-revoked', detail: 'dn-shelter-2→dn-shelter' });
    expect(refusal(() => referrals.assertCanRevoke(j, { ...actor(task), ...lead }))).toMatch(/^NotAReferral: .*nothing to revoke/);
  });

  test('a declined referral ends it; a task placed by the policy has nothing to revoke to', () => {
    const { j, task } = referred();
    rules.decline(j, { ...actor(task), reason: 'no_capacity' }, { agencyId: 'dn-health', assigneeId: 'dn-health-coordinator' });
    expect(j.state.referrals![task.id]).toBeUndefined();
    const verification = journeyAt('initial-verification');
    expect(refusal(() => referrals.assertCanRevoke(verification.j, { ...actor(verification.tasks[1]!), ...lead }))).toMatch(/^NotAReferral: /);
  });
});

describe('follow-up length', () => {
  const length = (times: number) => ({ ...lead, times });

  test('a case’s follow-up is set within the policy’s bounds, by the lead agency', () => {
    const { j } = journeyAt('reintegration');
    expect(refusal(() => assertCanSetFollowUpLength(j, length(5)))).toBe('OutsidePolicyBounds: follow-up may have between 6 and 12 rounds, not 5');
    expect(refusal(() => assertCanSetFollowUpLength(j, length(13)))).toMatch(/^OutsidePolicyBounds: /);
    expect(refusal(() => assertCanSetFollowUpLength(j, { ...length(8), agencyId: 'dn-police' }))).toMatch(/^NotLeadAgency: /);
    expect(refusal(() => assertCanSetFollowUpLength(j, { ...length(8), stage: 'reception' }))).toMatch(/^InvalidInput: stage: "reception" is not a recurring stage/);
    assertCanSetFollowUpLength(j, length(6));
    expect(setFollowUpLength(j, length(6))).toEqual({ stage: 'follow-up', times: 6 });
    const followUp = policy.stages.find((s) => s.key === 'follow-up')!;
    expect(j.roundsOf(followUp)).toBe(6);
  });

  test('never shorter than the rounds already started; a policy without bounds fixes it', () => {
    const { j } = journeyAt('follow-up');
    const followUp = policy.stages.find((s) => s.key === 'follow-up')!;
    for (let round = 1; round < 7; round++) j.startStage(followUp, round);
    expect(refusal(() => assertCanSetFollowUpLength(j, length(6)))).toBe('OutsidePolicyBounds: 7 rounds of follow-up have already started');
    assertCanSetFollowUpLength(j, length(7));
    const p = structuredClone(policy);
    delete p.stages.find((s) => s.key === 'follow-up')!.repeat!.minTimes;
    delete p.stages.find((s) => s.key === 'follow-up')!.repeat!.maxTimes;
    expect(refusal(() => assertCanSetFollowUpLength(newJourney(p), length(6)))).toBe('OutsidePolicyBounds: follow-up has 12 rounds in this policy; it cannot be changed');
  });
});

describe('outcome tasks in the policy', () => {
  test('an outcome opens only outcome tasks the policy defines; bounds must hold the number of rounds', () => {
    const p = structuredClone(policy) as unknown as Record<string, any>;
    p.stages[2].tasks[0].outcomes.not_victim.opens = ['referal'];
    p.stages[6].repeat.minTimes = 13;
    p.outcomeTasks.push({ ...p.outcomeTasks[0], key: 'tracing' });
    const result = JourneyPolicy.safeParse(p);
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual(
      expect.arrayContaining([
        'stages.2.tasks.0.outcomes.not_victim.opens: unknown task "referal": name one of outcomeTasks',
        'stages.6.repeat.times: minTimes ≤ times ≤ maxTimes',
        'outcomeTasks.3.key: duplicate task key "tracing"',
      ]),
    );
    expect(taskPolicyOf(policy, 'tracing.2')?.outcomes).toEqual({ traced: {}, not_traced: { closesCase: 'lost_contact' } });
  });

  test('a policy written before outcome tasks parses with none', () => {
    const { outcomeTasks: _, ...old } = structuredClone(policy);
    old.stages[2]!.tasks[0]!.outcomes!.not_victim = { closesCase: 'not_a_victim' };
    old.stages[6]!.tasks[0]!.outcomes = { safe: {}, lost_contact: { closesCase: 'lost_contact' } };
    expect(JourneyPolicy.parse(old).outcomeTasks).toEqual([]);
  });
});
