/**
 * One request per API operation that succeeds for the callers allowed to make it, and the
 * expected status for every kind of caller: the authorisation matrix as a table, written out
 * independently of src/auth/matrix.ts. Used by the matrix test and the OpenAPI contract test.
 */
import { WHO, uniqueCode, type ApiHarness, type Who } from './harness';

export const READ_CASE = uniqueCode('DN');

/** Seeds what the table's requests read: a case with personal data, and a facility. */
export async function prepareOperations(h: ApiHarness) {
  await h.fake!.seedCase(READ_CASE);
  const res = await h.call('coordinator', 'PUT', `/cases/${READ_CASE}/personal-data`, { body: { fullName: 'Test Person' } });
  if (res.status !== 204) throw new Error(`seeding personal data: ${res.status} ${res.text}`);
  await h.db.prisma.supportFacility.create({ data: { id: 'dn-shelter-1', province: 'VN-DN', nameVi: 'Cơ sở 1', nameEn: 'Facility 1', ownership: 'public', capacity: 20 } });
}

export interface Req {
  method: string;
  url: string;
  body?: unknown;
}
export type Cells = Record<Who, number>;

const UNAUTHENTICATED = { anonymous: 401, expired: 401, revoked: 401 } as const;
/** A secured operation: 401 without a valid credential, the listed statuses, and 403 for every other role. */
const secured = (allowed: Partial<Record<Who, number>>): Cells =>
  Object.fromEntries(WHO.map((w) => [w, (UNAUTHENTICATED as Record<string, number>)[w] ?? allowed[w] ?? 403])) as Cells;
const everyone = (status: number): Cells => Object.fromEntries(WHO.map((w) => [w, status])) as Cells;

/** Case-level reads of READ_CASE (lead dn-health; open tasks at dn-health and dn-police). */
const CASE_READERS = { coordinator: 200, staff: 200, staffPolice: 200, staffShelter: 404, manager: 200, managerNational: 200, coordinatorHN: 404, staffHN: 404 };
const PERSONAL_DATA_READERS = { coordinator: 200, staff: 200, staffPolice: 200, staffShelter: 404, coordinatorHN: 404, staffHN: 404 };
/** Actions on the reception task (dn-health's): dn-police sees the case but the task is not theirs. */
const RECEPTION_ACTORS = { coordinator: 200, staff: 200, staffPolice: 403, staffShelter: 404, coordinatorHN: 404, staffHN: 404 };
const LEAD_ONLY = { coordinator: 200, coordinatorHN: 404 };

let n = 0;
const id = (p: string) => `${p}-${Date.now().toString(36)}-${++n}`;

export function operationTable(h: ApiHarness): Record<string, { req: () => Promise<Req>; expect: Cells }> {
  const freshCase = async () => {
    const code = uniqueCode('DN');
    await h.fake!.seedCase(code);
    return code;
  };
  const taskAction = (action: string, body: unknown = {}, task = 'reception') => async (): Promise<Req> => ({ method: 'POST', url: `/cases/${await freshCase()}/tasks/${task}/${action}`, body });
  const caseAction = (action: string, body?: unknown) => async (): Promise<Req> => ({ method: 'POST', url: `/cases/${await freshCase()}/${action}`, body });
  const link = (method: 'GET' | 'POST') => async (): Promise<Req> => {
    const code = await freshCase();
    const { token } = h.security.actionLinks.sign({ action: 'acknowledge', taskId: `${code}/reception`, staffId: 'dn-health-caseworker-1', agencyId: 'dn-health' });
    return { method, url: `/actions/${token}`, ...(method === 'POST' ? { body: {} } : {}) };
  };
  return {
  health: { req: async () => ({ method: 'GET', url: '/healthz' }), expect: everyone(200) },
  readiness: { req: async () => ({ method: 'GET', url: '/readyz' }), expect: everyone(200) },
  openapi: { req: async () => ({ method: 'GET', url: '/openapi.json' }), expect: everyone(200) },

  startCase: { req: async () => ({ method: 'POST', url: '/cases', body: { caseCode: uniqueCode('DN'), province: 'VN-DN', leadAgencyId: 'dn-health' } }), expect: secured({ coordinator: 201, coordinatorHN: 403 }) },
  listCases: {
    req: async () => ({ method: 'GET', url: '/cases' }),
    expect: secured({ coordinator: 200, staff: 200, staffPolice: 200, staffShelter: 200, manager: 200, managerNational: 200, coordinatorHN: 200, staffHN: 200 }),
  },
  getCase: { req: async () => ({ method: 'GET', url: `/cases/${READ_CASE}` }), expect: secured(CASE_READERS) },
  getPersonalData: { req: async () => ({ method: 'GET', url: `/cases/${READ_CASE}/personal-data` }), expect: secured(PERSONAL_DATA_READERS) },
  putPersonalData: { req: async () => ({ method: 'PUT', url: `/cases/${await freshCase()}/personal-data`, body: { fullName: 'Someone' } }), expect: secured({ coordinator: 204, coordinatorHN: 404 }) },
  listNotes: { req: async () => ({ method: 'GET', url: `/cases/${READ_CASE}/notes` }), expect: secured(PERSONAL_DATA_READERS) },

  acknowledgeTask: { req: taskAction('acknowledge'), expect: secured(RECEPTION_ACTORS) },
  completeTask: { req: taskAction('complete'), expect: secured(RECEPTION_ACTORS) },
  addNote: { req: taskAction('notes', { text: 'called the shelter' }), expect: secured(RECEPTION_ACTORS) },
  extendDeadline: { req: taskAction('extend', { extendBy: '1d', reason: 'capacity' }), expect: secured(RECEPTION_ACTORS) },
  reassignTask: { req: taskAction('reassign', { toStaffId: 'dn-health-caseworker-2' }), expect: secured(RECEPTION_ACTORS) },
  declineReferral: {
    req: taskAction('decline', { reason: 'no_capacity' }, 'police-verification'),
    expect: secured({ coordinator: 403, staff: 403, staffPolice: 200, staffShelter: 404, coordinatorHN: 404, staffHN: 404 }),
  },
  closeCase: { req: caseAction('close', { reason: 'reintegrated' }), expect: secured(LEAD_ONLY) },
  transferCase: { req: caseAction('transfer', { toProvince: 'VN-HN', reason: 'person_moved' }), expect: secured(LEAD_ONLY) },
  recordConsent: { req: caseAction('consent'), expect: secured(LEAD_ONLY) },
  withdrawConsent: { req: caseAction('consent/withdraw'), expect: secured(LEAD_ONLY) },
  upgradePolicy: { req: caseAction('policy-upgrade'), expect: secured(LEAD_ONLY) },
  myTasks: {
    req: async () => ({ method: 'GET', url: '/tasks/mine' }),
    // A national manager key acts as no staff member: it has no tasks.
    expect: secured({ coordinator: 200, staff: 200, staffPolice: 200, staffShelter: 200, manager: 200, managerNational: 403, coordinatorHN: 200, staffHN: 200 }),
  },
  programmeIndicators: { req: async () => ({ method: 'GET', url: '/indicators?period=2026' }), expect: secured({ coordinator: 200, manager: 200, managerNational: 200, coordinatorHN: 200 }) },

  listAgencies: { req: async () => ({ method: 'GET', url: '/directory/agencies' }), expect: secured({ admin: 200 }) },
  createAgency: { req: async () => ({ method: 'POST', url: '/directory/agencies', body: { id: id('dn-ngo'), province: 'VN-DN', kind: 'ngo', nameVi: 'Tổ chức', nameEn: 'NGO' } }), expect: secured({ admin: 201 }) },
  updateAgency: { req: async () => ({ method: 'PATCH', url: '/directory/agencies/dn-legal-aid', body: { nameEn: 'Da Nang State Legal Aid Centre' } }), expect: secured({ admin: 200 }) },
  listStaff: { req: async () => ({ method: 'GET', url: '/directory/staff?agencyId=dn-health' }), expect: secured({ admin: 200 }) },
  createStaff: { req: async () => ({ method: 'POST', url: '/directory/staff', body: { id: id('dn-health-caseworker'), agencyId: 'dn-health', name: 'New Caseworker', role: 'caseworker' } }), expect: secured({ admin: 201 }) },
  updateStaff: { req: async () => ({ method: 'PATCH', url: '/directory/staff/dn-health-caseworker-2', body: { language: 'vi' } }), expect: secured({ admin: 200 }) },
  listFacilities: { req: async () => ({ method: 'GET', url: '/directory/facilities?province=VN-DN' }), expect: secured({ admin: 200 }) },
  createFacility: {
    req: async () => ({ method: 'POST', url: '/directory/facilities', body: { id: id('dn-facility'), province: 'VN-DN', nameVi: 'Cơ sở', nameEn: 'Facility', ownership: 'private', capacity: 10 } }),
    expect: secured({ admin: 201 }),
  },
  updateFacility: { req: async () => ({ method: 'PATCH', url: '/directory/facilities/dn-shelter-1', body: { occupied: 3 } }), expect: secured({ admin: 200 }) },

  createApiKey: { req: async () => ({ method: 'POST', url: '/admin/api-keys', body: { owner: 'Reporting system', role: 'manager' } }), expect: secured({ admin: 201 }) },
  listApiKeys: { req: async () => ({ method: 'GET', url: '/admin/api-keys' }), expect: secured({ admin: 200 }) },
  revokeApiKey: {
    req: async () => {
      const res = await h.call('admin', 'POST', '/admin/api-keys', { body: { owner: 'to revoke', role: 'admin' } });
      return { method: 'DELETE', url: `/admin/api-keys/${(res.body as { id: string }).id}` };
    },
    expect: secured({ admin: 204 }),
  },
  queryAudit: { req: async () => ({ method: 'GET', url: '/admin/audit?limit=5' }), expect: secured({ admin: 200 }) },
  rotatePersonalDataKeys: { req: async () => ({ method: 'POST', url: '/admin/personal-data/rotate' }), expect: secured({ admin: 200 }) },

  // The link is the credential: who else is calling does not matter.
  showActionLink: { req: link('GET'), expect: everyone(200) },
  useActionLink: { req: link('POST'), expect: everyone(200) },
  };
}
