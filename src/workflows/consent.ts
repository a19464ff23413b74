/**
 * The person's consent, as a whole and in parts (issue 16, item 4): to share with organisations
 * outside the state system, and to receive each service. Each part is recorded and withdrawn on
 * its own; withdrawing one stops what it covers (its open tasks are cancelled, and they do not
 * open again), while withdrawing consent as a whole closes the case as it always did. For a
 * child's case consent is given by a guardian or legal representative. Pure: no activities.
 */
import type { ConsentGiver, ConsentPart, RecordConsent, RecordConsentPart, TaskState, WithdrawConsentPart } from '../journey/definitions';
import { TaskRejection } from '../journey/messages';
import { assertLeadAgency, reject, type Actor } from './guards';
import { iso, type Journey } from './journey-state';

/** Case facts come with intake (the state's `facts`); a journey without them is an adult's. */
export const isChildCase = (j: Journey) => j.state.facts?.child === true;

function assertGiver(j: Journey, givenBy: ConsentGiver | undefined) {
  if (isChildCase(j) && (givenBy ?? 'person') === 'person') {
    reject(TaskRejection.guardianRequired, "this is a child's case: consent is given by a guardian or legal representative (givenBy: guardian or legal_representative)");
  }
}

/** Consent is the lead agency's to record, and to record withdrawn. */
export function assertCanRecordConsent(j: Journey, u: Actor & { givenBy?: ConsentGiver }) {
  assertLeadAgency(j, u);
  assertGiver(j, u.givenBy);
}

/** Consent as a whole; parts recorded or withdrawn on their own stay as they are. */
export function recordConsent(j: Journey, u: RecordConsent) {
  j.state.consent = { ...j.state.consent, given: true, at: iso(Date.now()), by: u.staffId, ...(u.givenBy ? { givenBy: u.givenBy } : {}) };
  j.log({ action: 'consent-recorded', by: u.staffId, ...(u.givenBy ? { detail: u.givenBy } : {}) });
  return j.state.consent;
}

export function assertCanWithdrawConsent(j: Journey, u: Actor) {
  assertLeadAgency(j, u);
}

/** Without any consent there is no support to give: the case closes. */
export function withdrawConsent(j: Journey, u: Actor) {
  j.state.consent = { ...j.state.consent, given: false, at: iso(Date.now()), by: u.staffId };
  j.log({ action: 'consent-withdrawn', by: u.staffId });
  j.close('consent_withdrawn', u.staffId);
  return j.state.consent;
}

export function assertCanRecordPart(j: Journey, u: RecordConsentPart) {
  assertCanWithdrawPart(j, u);
  assertGiver(j, u.givenBy);
}

/** A service part names a service the policy offers (a task a plan may choose); sharing names none. */
export function assertCanWithdrawPart(j: Journey, u: WithdrawConsentPart) {
  assertLeadAgency(j, u);
  if (u.part === 'sharing' && u.service !== undefined) reject(TaskRejection.invalidInput, 'service: only for part "service"');
  if (u.part === 'service') {
    const services = j.policy.stages.flatMap((s) => s.tasks.filter((t) => t.onlyIfPlanned).map((t) => t.key));
    if (!u.service) reject(TaskRejection.invalidInput, `service: needed for part "service", one of: ${services.join(', ')}`);
    if (!services.includes(u.service)) reject(TaskRejection.invalidInput, `service: "${u.service}" is not a service of the policy; one of: ${services.join(', ')}`);
  }
}

export function recordPart(j: Journey, u: RecordConsentPart) {
  setPart(j, u, { given: true, at: iso(Date.now()), by: u.staffId, ...(u.givenBy ? { givenBy: u.givenBy } : {}) });
  j.log({ action: 'consent-part-recorded', by: u.staffId, detail: [partName(u), u.givenBy].filter(Boolean).join(' ') });
  return j.state.consent;
}

/** Stops what the part covers, and only that: its open tasks are cancelled; the case goes on. */
export function withdrawPart(j: Journey, u: WithdrawConsentPart) {
  setPart(j, u, { given: false, at: iso(Date.now()), by: u.staffId });
  j.log({ action: 'consent-part-withdrawn', by: u.staffId, detail: partName(u) });
  for (const task of j.openTasks()) if (j.consentWithdrawnFor(j.policyOf(task), holderKind(j, task))) j.cancelTask(task, `consent-withdrawn:${partName(u)}`, u.staffId);
  return j.state.consent;
}

function setPart(j: Journey, u: WithdrawConsentPart, part: ConsentPart) {
  if (u.part === 'sharing') j.state.consent.sharing = part;
  else j.state.consent.services = { ...j.state.consent.services, [u.service!]: part };
}

const partName = (u: WithdrawConsentPart) => (u.part === 'sharing' ? 'sharing' : `service:${u.service}`);

/** The kind of agency holding a task now: the one it was referred to, the lead (health department), or its policy's. */
function holderKind(j: Journey, task: TaskState) {
  const referral = j.state.referrals?.[task.id];
  if (referral && referral.toAgencyId === task.agencyId) return referral.toAgencyKind;
  if (task.agencyId === j.state.leadAgencyId) return 'health_dept';
  return j.policyOf(task).agency;
}
