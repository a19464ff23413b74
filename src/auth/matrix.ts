/**
 * THE authorisation matrix: every permission the API knows, and for each role the scope in which
 * it holds. A missing cell means "never" (403). Routes name one permission each; nothing else in
 * the code decides who may do what. Test: test/api/authorisation-matrix.test.ts, cell by cell.
 *
 * Scopes:
 * - `national`     any resource.
 * - `province`     resources of the caller's province: a case of the province, or one in which an
 *                  agency of the province holds an open task (a transfer to it, say). A manager
 *                  whose province is NATIONAL sees every province; no province sees none.
 * - `agency`       cases the caller's agency takes part in (lead agency, or holds any of its tasks).
 *                  An agency is in one province, and a credential's agency and province agree.
 * - `need-to-know` cases where the caller's agency holds a task that is still open: the people
 *                  working with the person now. Used for personal data.
 * - `own`          the caller's own tasks (and own preferences).
 * - `agency-lead`  staff of the resource's agency who lead it: its focal points and supervisors.
 *
 * A caller whose role may use a permission but whose scope does not cover the case gets the same
 * 404 as for a case that does not exist: the API never confirms that a case exists to someone who
 * may not see it.
 */
import { NATIONAL, type ApiRole, type Principal } from './principal';

export type Scope = 'national' | 'province' | 'agency' | 'need-to-know' | 'own' | 'agency-lead';

export const AUTHORISATION_MATRIX = {
  // cases
  'case.start': { coordinator: 'province' },
  'case.list': { coordinator: 'province', staff: 'agency', manager: 'province' },
  'case.read': { coordinator: 'province', staff: 'agency', manager: 'province' },
  'case.close': { coordinator: 'province' },
  'case.transfer': { coordinator: 'province' },
  'case.consent': { coordinator: 'province' },
  'case.follow-up': { coordinator: 'province' },
  'case.policy': { coordinator: 'province' },
  // four eyes: a manager of the province approves or rejects a closure someone else asked for
  'case.close-approve': { manager: 'province' },
  // shelter places: the coordinator chooses a placement task's facility; free places are counts
  'case.placement': { coordinator: 'province' },
  'facility.free-places': { coordinator: 'province', manager: 'province', admin: 'national' },
  // personal data (and free-text notes, which may hold it): read is audited
  'personal-data.read': { coordinator: 'province', staff: 'need-to-know' },
  'personal-data.write': { coordinator: 'province' },
  'personal-data.rotate': { admin: 'national' },
  // tasks: the workflow also checks that the acting agency owns the task
  'task.list-mine': { coordinator: 'own', staff: 'own', manager: 'own' },
  'task.acknowledge': { coordinator: 'province', staff: 'agency' },
  'task.complete': { coordinator: 'province', staff: 'agency' },
  'task.note': { coordinator: 'province', staff: 'agency' },
  'task.extend': { coordinator: 'province', staff: 'agency' },
  'task.reassign': { coordinator: 'province', staff: 'agency' },
  'task.decline': { coordinator: 'province', staff: 'agency' },
  'task.accept': { coordinator: 'province', staff: 'agency' },
  // a staff member's language, preferred channel and absence with a deputy
  'staff-preferences.own': { coordinator: 'own', staff: 'own', manager: 'own' },
  'staff-preferences.manage': { staff: 'agency-lead', manager: 'province', admin: 'national' },
  // reporting
  'indicators.read': { coordinator: 'province', manager: 'province' },
  'report.read': { manager: 'province' },
  // administration
  'directory.read': { admin: 'national' },
  'directory.write': { admin: 'national' },
  'api-key.manage': { admin: 'national' },
  'audit.read': { admin: 'national' },
} as const satisfies Record<string, Partial<Record<ApiRole, Scope>>>;

export type Permission = keyof typeof AUTHORISATION_MATRIX;
export const PERMISSIONS = Object.keys(AUTHORISATION_MATRIX) as Permission[];

/** The scope in which `role` holds `permission`, or undefined for "never". */
export function scopeOf(role: ApiRole, permission: Permission): Scope | undefined {
  return (AUTHORISATION_MATRIX[permission] as Partial<Record<ApiRole, Scope>>)[role];
}

/** What a check is about: a province (a new case, a report) or a case and who works on it. */
export interface ResourceScope {
  /** The case's province, and the provinces of agencies holding its open tasks. */
  provinces: readonly string[];
  /** Agencies that take part in the case: its lead agency and every agency that holds a task. */
  agencyIds?: readonly string[];
  /** Agencies holding a task that is not finished. */
  activeAgencyIds?: readonly string[];
  /** For own-task checks: the staff member the resource belongs to. */
  staffId?: string | null;
  /** For agency-lead checks: the focal points and supervisors of the resource's agency. */
  leadStaffIds?: readonly string[];
}

export type Decision = 'allow' | 'forbidden' | 'out-of-scope';

/**
 * `forbidden`: the role may never do this (403). `out-of-scope`: it may, but not here (the caller
 * answers 404 for a case, 403 for a province it named itself).
 */
export function decide(principal: Principal, permission: Permission, resource?: ResourceScope): Decision {
  const scope = scopeOf(principal.role, permission);
  if (!scope) return 'forbidden';
  if (!resource) return 'allow';
  return inScope(principal, scope, resource) ? 'allow' : 'out-of-scope';
}

function inScope(p: Principal, scope: Scope, r: ResourceScope): boolean {
  switch (scope) {
    case 'national':
      return true;
    case 'province':
      if (p.province === NATIONAL) return p.role === 'manager';
      return p.province !== null && r.provinces.includes(p.province);
    case 'agency':
      return p.agencyId !== null && (r.agencyIds ?? []).includes(p.agencyId);
    case 'need-to-know':
      return p.agencyId !== null && (r.activeAgencyIds ?? []).includes(p.agencyId);
    case 'own':
      return p.staffId !== null && r.staffId === p.staffId;
    case 'agency-lead':
      return p.agencyId !== null && p.staffId !== null && (r.agencyIds ?? []).includes(p.agencyId) && (r.leadStaffIds ?? []).includes(p.staffId);
  }
}

/** The provinces a caller may list or report on: null means all. */
export function provincesOf(principal: Principal, permission: Permission): string[] | null {
  const scope = scopeOf(principal.role, permission);
  if (!scope) return [];
  if (scope === 'national') return null;
  if (principal.province === NATIONAL) return principal.role === 'manager' ? null : [];
  return principal.province ? [principal.province] : [];
}
