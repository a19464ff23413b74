/**
 * One request per API operation that succeeds for the callers allowed to make it, and the
 * expected status for every kind of caller: the authorisation matrix as a table, written out
 * independently of src/auth/matrix.ts. Used by the matrix test, the fuzzing and the OpenAPI
 * contract test.
 *
 * The cases the requests act on are real journeys on the suite's Temporal server, run by the
 * harness's worker. A refused request changes nothing, so every refused caller of a row acts on one
 * shared journey at the row's stage; a request that succeeds changes its journey, so each gets a
 * fresh one (`warm` opens them ahead, in parallel).
 */
import { loadPolicy } from '../../../src/policy';
import type { JourneyPolicy } from '../../../src/policy/schema';
import { WHO, uniqueCode, type ApiHarness, type JourneyStage, type Who } from './harness';

/** Reads: a journey in initial verification (lead dn-health; verify-initial-information open at dn-health, police-verification at dn-police), with personal data. */
export const READ_CASE = uniqueCode('DN');

/**
 * The service's current policy for these tests: the default policy's next version, so that a
 * journey opened with the default policy (v1) can be upgraded.
 */
export const NEWER_POLICY: JourneyPolicy = { ...loadPolicy('default'), version: 2 };

export interface Req {
  method: string;
  url: string;
  body?: unknown;
}
export type Cells = Record<Who, number>;
export interface Row {
  /** The request `who` makes: on a fresh journey when it is expected to succeed and change one. */
  req(who: Who): Promise<Req>;
  expect: Cells;
  /** The stage of the journey the request acts on, for rows whose success changes it. */
  journey?: JourneyStage;
}
export interface Operations {
  table: Record<string, Row>;
  /** Opens ahead, in parallel, the fresh journeys these requests (operation id, caller) will take. */
  warm(requests: [string, Who][]): Promise<void>;
}

const UNAUTHENTICATED = { anonymous: 401, expired: 401, revoked: 401 } as const;
/** A secured operation: 401 without a valid credential, the listed statuses, and 403 for every other role. */
const secured = (allowed: Partial<Record<Who, number>>): Cells =>
  Object.fromEntries(WHO.map((w) => [w, (UNAUTHENTICATED as Record<string, number>)[w] ?? allowed[w] ?? 403])) as Cells;
const everyone = (status: number): Cells => Object.fromEntries(WHO.map((w) => [w, status])) as Cells;

/** Case-level reads of READ_CASE (lead dn-health; open tasks at dn-health and dn-police). */
const CASE_READERS = { coordinator: 200, staff: 200, staffPolice: 200, staffShelter: 404, manager: 200, managerNational: 200, coordinatorHN: 404, staffHN: 404 };
const PERSONAL_DATA_READERS = { coordinator: 200, staff: 200, staffPolice: 200, staffShelter: 404, coordinatorHN: 404, staffHN: 404 };
/** Actions on a task of the lead agency (dn-health's): dn-police sees the case (it holds a task of it) but the task is not theirs. */
const LEAD_TASK_ACTORS = { coordinator: 200, staff: 200, staffPolice: 403, staffShelter: 404, coordinatorHN: 404, staffHN: 404 };
const LEAD_ONLY = { coordinator: 200, coordinatorHN: 404 };

/** Callers that act as a staff member, for their own preferences. */
const OWN_STAFF = { coordinator: 200, staff: 200, staffPolice: 200, staffShelter: 200, manager: 200, managerNational: 403, coordinatorHN: 200, staffHN: 200 };
/** A colleague of each caller's own agency, as deputy. */
const DEPUTY_OF: Partial<Record<Who, string>> = {
  coordinator: 'dn-health-caseworker-2',
  staff: 'dn-health-caseworker-2',
  staffPolice: 'dn-police-supervisor-1',
  staffShelter: 'dn-shelter-supervisor-1',
  manager: 'dn-health-supervisor-1',
  coordinatorHN: 'hn-health-caseworker-1',
  staffHN: 'hn-health-coordinator-1',
};
/** Someone else's preferences (dn-health-caseworker-2): the province's managers and admins; other staff learn nothing (404). */
const STAFF_MANAGERS = { manager: 200, managerNational: 200, admin: 200, staff: 404, staffPolice: 404, staffShelter: 404, staffHN: 404 };
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

let n = 0;
const id = (p: string) => `${p}-${Date.now().toString(36)}-${++n}`;

/** Seeds what the table's requests read: a case with personal data, and a facility. */
export async function prepareOperations(h: ApiHarness): Promise<Operations> {
  await Promise.all([
    (async () => {
      await h.openJourney({ code: READ_CASE, stage: 'initial-verification' });
      const res = await h.call('coordinator', 'PUT', `/cases/${READ_CASE}/personal-data`, { body: { fullName: 'Test Person' } });
      if (res.status !== 204) throw new Error(`seeding personal data: ${res.status} ${res.text}`);
    })(),
    h.db.prisma.supportFacility.create({ data: { id: 'dn-shelter-1', province: 'VN-DN', nameVi: 'Cơ sở 1', nameEn: 'Facility 1', ownership: 'public', capacity: 20 } }),
  ]);
  return operations(h);
}

function operations(h: ApiHarness): Operations {
  const pool = new Map<JourneyStage, string[]>();
  const shared = new Map<JourneyStage, Promise<string>>([['initial-verification', Promise.resolve(READ_CASE)]]);
  const fresh = async (stage: JourneyStage) => pool.get(stage)?.shift() ?? h.openJourney({ stage });
  const sharedAt = (stage: JourneyStage) => {
    if (!shared.has(stage)) shared.set(stage, h.openJourney({ stage }));
    return shared.get(stage)!;
  };
  /** A row whose request acts on a journey at `stage`: fresh for the callers who succeed, shared for the others. */
  const onJourney = (stage: JourneyStage, expect: Cells, build: (code: string) => Req): Row => ({
    expect,
    journey: stage,
    req: async (who) => build(await (expect[who] < 300 ? fresh(stage) : sharedAt(stage))),
  });
  /** A referral of the police's verification to the border guard, made by the lead agency, for the callers who may revoke it. */
  const referred = async (row: Row, who: Who): Promise<Req> => {
    const req = await row.req(who);
    if (row.expect[who] < 300) {
      const code = req.url.split('/')[2]!;
      const res = await h.call('coordinator', 'POST', `/cases/${code}/tasks/police-verification/reassign`, { body: { toStaffId: 'dn-border-guard-caseworker-1' } });
      if (res.status !== 200) throw new Error(`referring for revokeReferral: ${res.status} ${res.text}`);
    }
    return req;
  };
  const task = (stage: JourneyStage, taskKey: string, action: string, body: unknown, expect: Cells) =>
    onJourney(stage, expect, (code) => ({ method: 'POST', url: `/cases/${code}/tasks/${taskKey}/${action}`, body }));
  const caseAction = (action: string, body: unknown, expect: Cells) => onJourney('reception', expect, (code) => ({ method: 'POST', url: `/cases/${code}/${action}`, body }));
  /** Callers refused before the journey share one; the manager who decides gets a fresh journey whose closure was asked for. */
  const closureDecision = (decision: 'approve' | 'reject', body: unknown): Row => {
    const expect = secured({ manager: 200 });
    return {
      expect,
      journey: 'reception',
      req: async (who) => {
        if (expect[who] >= 300) return { method: 'POST', url: `/cases/${await sharedAt('reception')}/closure/${decision}`, body };
        const code = await fresh('reception');
        const asked = await h.call('coordinator', 'POST', `/cases/${code}/close`, { body: { reason: 'deceased' } });
        if (asked.status !== 200) throw new Error(`asking for the closure: ${asked.status} ${asked.text}`);
        return { method: 'POST', url: `/cases/${code}/closure/${decision}`, body };
      },
    };
  };
  const link = (method: 'GET' | 'POST', taskId: string) => {
    const { token } = h.security.actionLinks.sign({ action: 'acknowledge', taskId, staffId: 'dn-health-caseworker-1', agencyId: 'dn-health' });
    return { method, url: `/actions/${token}`, ...(method === 'POST' ? { body: {} } : {}) };
  };

  const shortLink = (taskId: string) =>
    h.security.taskLinks.issue(h.db.prisma, { key: `matrix:${taskId}:${Math.random()}`, taskId, staffId: 'dn-health-caseworker-1', agencyId: 'dn-health', taskAgencyId: 'dn-health', assigneeId: null, at: new Date() });

  const table: Record<string, Row> = {
    health: { req: async () => ({ method: 'GET', url: '/healthz' }), expect: everyone(200) },
    readiness: { req: async () => ({ method: 'GET', url: '/readyz' }), expect: everyone(200) },
    openapi: { req: async () => ({ method: 'GET', url: '/openapi.json' }), expect: everyone(200) },
    // The harness's API listens on loopback without METRICS_TOKEN: any caller may scrape (test/api/metrics.test.ts checks the token).
    metrics: { req: async () => ({ method: 'GET', url: '/metrics' }), expect: everyone(200) },

    startCase: { req: async () => ({ method: 'POST', url: '/cases', body: { caseCode: uniqueCode('DN'), province: 'VN-DN', leadAgencyId: 'dn-health' } }), expect: secured({ coordinator: 201, coordinatorHN: 403 }) },
    startFamily: {
      req: async () => ({ method: 'POST', url: '/families', body: { province: 'VN-DN', leadAgencyId: 'dn-health', notifiedBy: 'police', members: [{ caseCode: uniqueCode('DN') }, { caseCode: uniqueCode('DN'), child: true }] } }),
      expect: secured({ coordinator: 201, coordinatorHN: 403 }),
    },
    listCases: {
      req: async () => ({ method: 'GET', url: '/cases' }),
      expect: secured({ coordinator: 200, staff: 200, staffPolice: 200, staffShelter: 200, manager: 200, managerNational: 200, coordinatorHN: 200, staffHN: 200 }),
    },
    getCase: { req: async () => ({ method: 'GET', url: `/cases/${READ_CASE}` }), expect: secured(CASE_READERS) },
    getPersonalData: { req: async () => ({ method: 'GET', url: `/cases/${READ_CASE}/personal-data` }), expect: secured(PERSONAL_DATA_READERS) },
    putPersonalData: onJourney('reception', secured({ coordinator: 204, coordinatorHN: 404 }), (code) => ({ method: 'PUT', url: `/cases/${code}/personal-data`, body: { fullName: 'Someone' } })),
    listNotes: { req: async () => ({ method: 'GET', url: `/cases/${READ_CASE}/notes` }), expect: secured(PERSONAL_DATA_READERS) },

    // In initial verification: dn-health's verify-initial-information and dn-police's police-verification are open.
    acknowledgeTask: task('initial-verification', 'verify-initial-information', 'acknowledge', {}, secured(LEAD_TASK_ACTORS)),
    completeTask: task('initial-verification', 'verify-initial-information', 'complete', {}, secured(LEAD_TASK_ACTORS)),
    addNote: task('initial-verification', 'verify-initial-information', 'notes', { text: 'called the shelter' }, secured(LEAD_TASK_ACTORS)),
    // The first task of dn-health the default policy lets extend: the needs assessment (up to 5 days).
    extendDeadline: task('support-plan', 'needs-assessment', 'extend', { extendBy: '1d', reason: 'capacity' }, secured(LEAD_TASK_ACTORS)),
    reassignTask: task('initial-verification', 'verify-initial-information', 'reassign', { toStaffId: 'dn-health-caseworker-2' }, secured(LEAD_TASK_ACTORS)),
    declineReferral: task(
      'initial-verification',
      'police-verification',
      'decline',
      { reason: 'no_capacity' },
      secured({ coordinator: 403, staff: 403, staffPolice: 200, staffShelter: 404, coordinatorHN: 404, staffHN: 404 }),
    ),
    acceptReferral: task(
      'initial-verification',
      'police-verification',
      'accept',
      {},
      secured({ coordinator: 403, staff: 403, staffPolice: 200, staffShelter: 404, coordinatorHN: 404, staffHN: 404 }),
    ),
    // The lead agency's, for a task it referred: those who may succeed first refer the police's verification to the border guard.
    revokeReferral: onJourney(
      'initial-verification',
      secured({ coordinator: 200, staff: 200, staffPolice: 403, staffShelter: 404, coordinatorHN: 404, staffHN: 404 }),
      (code) => ({ method: 'POST', url: `/cases/${code}/tasks/police-verification/revoke`, body: {} }),
    ),
    // With the default policy's closureApproval the close is a request (200, still active).
    closeCase: caseAction('close', { reason: 'reintegrated' }, secured(LEAD_ONLY)),
    // Four eyes: a manager of the province who acts as a staff member (a national key acts as none: 403).
    approveClosure: closureDecision('approve', undefined),
    rejectClosure: closureDecision('reject', { reason: 'support_not_finished' }),
    // The shelter placement of a journey in support services; dn-shelter-1 has free places.
    choosePlacement: task('support-services', 'shelter-placement', 'placement', { facilityId: 'dn-shelter-1' }, secured(LEAD_ONLY)),
    freePlaces: {
      req: async () => ({ method: 'GET', url: '/facilities/free-places?province=VN-DN' }),
      expect: secured({ coordinator: 200, manager: 200, managerNational: 200, admin: 200, coordinatorHN: 403 }),
    },
    transferCase: caseAction('transfer', { toProvince: 'VN-HN', reason: 'person_moved' }, secured(LEAD_ONLY)),
    recordConsent: caseAction('consent', undefined, secured(LEAD_ONLY)),
    withdrawConsent: caseAction('consent/withdraw', undefined, secured(LEAD_ONLY)),
    recordConsentPart: caseAction('consent/parts', { part: 'sharing' }, secured(LEAD_ONLY)),
    withdrawConsentPart: caseAction('consent/parts/withdraw', { part: 'service', service: 'legal-aid' }, secured(LEAD_ONLY)),
    setFollowUpLength: caseAction('follow-up-length', { times: 8 }, secured(LEAD_ONLY)),
    // The journey follows the default policy (v1); the service's is NEWER_POLICY (v2).
    upgradePolicy: caseAction('policy-upgrade', undefined, secured(LEAD_ONLY)),
    myTasks: {
      req: async () => ({ method: 'GET', url: '/tasks/mine' }),
      // A national manager key acts as no staff member: it has no tasks.
      expect: secured({ coordinator: 200, staff: 200, staffPolice: 200, staffShelter: 200, manager: 200, managerNational: 403, coordinatorHN: 200, staffHN: 200 }),
    },
    programmeIndicators: { req: async () => ({ method: 'GET', url: '/indicators?period=2026' }), expect: secured({ coordinator: 200, manager: 200, managerNational: 200, coordinatorHN: 200 }) },
    programmeReport: { req: async () => ({ method: 'GET', url: '/reports/programme?from=2026-01-01&to=2026-02-01' }), expect: secured({ manager: 200, managerNational: 200 }) },

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

    // Own preferences: every caller that acts as a staff member (a national key acts as none).
    getMyPreferences: { req: async () => ({ method: 'GET', url: '/me/preferences' }), expect: secured(OWN_STAFF) },
    updateMyPreferences: { req: async () => ({ method: 'PUT', url: '/me/preferences', body: { language: 'vi' } }), expect: secured(OWN_STAFF) },
    setMyAbsence: {
      req: async (who) => ({ method: 'PUT', url: '/me/absence', body: { until: inDays(3), reason: 'leave', deputyId: DEPUTY_OF[who] ?? 'dn-health-caseworker-2' } }),
      expect: secured(OWN_STAFF),
    },
    endMyAbsence: { req: async () => ({ method: 'DELETE', url: '/me/absence' }), expect: secured({ ...OWN_STAFF, ...Object.fromEntries(Object.keys(OWN_STAFF).map((w) => [w, 204])), managerNational: 403 }) },
    // Someone else's: the agency's focal points and supervisors (none among these callers), the province's managers, admins.
    getStaffPreferences: { req: async () => ({ method: 'GET', url: '/directory/staff/dn-health-caseworker-2/preferences' }), expect: secured(STAFF_MANAGERS) },
    updateStaffPreferences: { req: async () => ({ method: 'PUT', url: '/directory/staff/dn-health-caseworker-2/preferences', body: { language: 'vi' } }), expect: secured(STAFF_MANAGERS) },
    setStaffAbsence: {
      req: async () => ({ method: 'PUT', url: '/directory/staff/dn-health-caseworker-2/absence', body: { until: inDays(3), reason: 'training', deputyId: 'dn-health-caseworker-1' } }),
      expect: secured(STAFF_MANAGERS),
    },
    endStaffAbsence: { req: async () => ({ method: 'DELETE', url: '/directory/staff/dn-health-caseworker-2/absence' }), expect: secured({ ...STAFF_MANAGERS, manager: 204, managerNational: 204, admin: 204 }) },

    createApiKey: { req: async () => ({ method: 'POST', url: '/admin/api-keys', body: { owner: 'Reporting system', role: 'manager', province: 'national' } }), expect: secured({ admin: 201 }) },
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

    // The link is the credential: who else is calling does not matter. Showing one changes nothing.
    showActionLink: { req: async () => link('GET', `${READ_CASE}/verify-initial-information`), expect: everyone(200) },
    useActionLink: onJourney('reception', everyone(200), (code) => link('POST', `${code}/reception`)),
    // The page every notification links to reads nothing: the same for everyone, known case or not.
    showTaskLink: { req: async () => ({ method: 'GET', url: `/tasks/${encodeURIComponent(`${READ_CASE}/reception`)}` }), expect: everyone(200) },
    // A short link is the credential too; acting needs its page's form token and cookie, which no caller here has.
    showTaskPage: { req: async () => ({ method: 'GET', url: new URL(await shortLink(`${READ_CASE}/verify-initial-information`)).pathname }), expect: everyone(200) },
    actOnTaskPage: {
      req: async () => ({ method: 'POST', url: new URL(await shortLink(`${READ_CASE}/verify-initial-information`)).pathname, body: { form: 'no-page-was-opened', action: 'acknowledge' } }),
      expect: everyone(403),
    },
    // The inbox: its own sign-in (a session cookie from a one-time code), whoever else is calling. Showing it changes nothing;
    // every POST needs its page's form token and cookie, which no caller here has (test/api/inbox.test.ts signs in).
    showInbox: { req: async () => ({ method: 'GET', url: '/inbox' }), expect: everyone(200) },
    requestInboxCode: { req: async () => ({ method: 'POST', url: '/inbox/sign-in', body: { form: 'no-page-was-opened', address: 'dn-health-caseworker-1@donghanh.local' } }), expect: everyone(403) },
    signInToInbox: { req: async () => ({ method: 'POST', url: '/inbox/verify', body: { form: 'no-page-was-opened', ticket: 'A'.repeat(22), code: '123456' } }), expect: everyone(403) },
    actInInbox: {
      req: async () => ({ method: 'POST', url: `/inbox/cases/${READ_CASE}/tasks/verify-initial-information`, body: { form: 'no-page-was-opened', action: 'acknowledge' } }),
      expect: everyone(403),
    },
    signOutOfInbox: { req: async () => ({ method: 'POST', url: '/inbox/sign-out', body: { form: 'no-page-was-opened' } }), expect: everyone(403) },
  };
  const revoke = table.revokeReferral!;
  table.revokeReferral = { ...revoke, req: (who) => referred(revoke, who) };

  return {
    table,
    async warm(requests) {
      const stages: JourneyStage[] = [];
      const sharedStages = new Set<JourneyStage>();
      for (const [operationId, who] of requests) {
        const row = table[operationId]!;
        if (row.journey && row.expect[who] < 300) stages.push(row.journey);
        else if (row.journey) sharedStages.add(row.journey);
      }
      // A few at a time: the worker, the server and another test file share two cores.
      const [codes] = await Promise.all([inLanes(6, stages, (stage) => h.openJourney({ stage })), ...[...sharedStages].map(sharedAt)]);
      stages.forEach((stage, i) => pool.set(stage, [...(pool.get(stage) ?? []), codes[i]!]));
    },
  };
}

async function inLanes<T, R>(lanes: number, items: T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(lanes, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}
