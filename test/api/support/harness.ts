/**
 * The API as production runs it, for every API test: a fresh, migrated and seeded SQLite database;
 * the suite's real Temporal dev server (test/support/global-setup.ts); one worker on a task queue
 * of this harness's own, running the project's workflows with the real activities on that same
 * database (mail to a local SMTP server); API keys for every kind of caller; captured log output.
 * Requests go over real HTTP. Nothing stands in for Temporal, the database or the transports.
 *
 * Journeys a test acts on are real too: `openJourney` starts one the way the API does and moves it
 * on with real workflow updates until the stage the test needs has its tasks open and recorded.
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor, type WorkflowHandle } from '@temporalio/client';
import { Worker, type WorkflowBundleOption } from '@temporalio/worker';
import { createActivities } from '../../../src/activities';
import { createApiKey } from '../../../src/auth/api-keys';
import type { JwtConfig } from '../../../src/auth/jwt';
import { createSecurity, type Security } from '../../../src/auth/security';
import { firstTasksRecorded, journeyHandle, startJourney } from '../../../src/client/journeys';
import { buildApi } from '../../../src/api/server';
import type { Database } from '../../../src/db/client';
import { storePolicy } from '../../../src/db/policy-bodies';
import type { SmsSender } from '../../../src/transports/sms';
import { metricsExposition } from '../../../src/metrics/exposition';
import { createServiceMetrics, type ServiceMetrics } from '../../../src/metrics/service-metrics';
import type { ProvinceCode } from '../../../src/domain/provinces';
import { createLogger } from '../../../src/logger';
import { generateKeySpec } from '../../../src/personal-data/crypto';
import { loadPolicy } from '../../../src/policy';
import type { JourneyPolicy } from '../../../src/policy/schema';
import { findFreePort } from '../../../src/local/ports';
import { journeyStateQuery, type JourneyState } from '../../../src/journey/definitions';
import { testDataConverter } from '../../support/codec';
import { advanceTo } from '../../support/journey-steps';
import { mailerFor, startInbox, type Inbox } from '../../support/smtp';
import { addHanoiHealthDepartment, createTestDatabase, type TestDatabase } from '../../support/test-database';
import { connectToSuiteServer, journeyWorkflowBundle, uniqueTaskQueue } from '../../support/temporal';

/** Every kind of caller the matrix distinguishes. */
export const WHO = [
  'anonymous',
  'expired',
  'revoked',
  'coordinator',
  'staff',
  'staffPolice',
  'staffShelter',
  'manager',
  'managerNational',
  'admin',
  'coordinatorHN',
  'staffHN',
] as const;
export type Who = (typeof WHO)[number];

export const PUBLIC_BASE_URL = 'http://127.0.0.1:3000';

/** Stages `openJourney` can bring a journey to, in the order of the default policy. */
export type JourneyStage = 'reception' | 'initial-verification' | 'identification' | 'support-plan' | 'support-services';

export interface JourneyOptions {
  /** Default: a new unique code. */
  code?: string;
  province?: ProvinceCode;
  leadAgencyId?: string;
  /** Every task before this stage is completed by its own agency. Default: reception. */
  stage?: JourneyStage;
  /** The services the support plan chooses, when `stage` is past the plan. */
  plan?: string[];
}

export interface ApiResponse {
  status: number;
  body: any;
  headers: Record<string, unknown>;
  text: string;
}
export type Call = (who: Who | string, method: string, url: string, opts?: { body?: unknown; headers?: Record<string, string> }) => Promise<ApiResponse>;

export interface ApiHarness {
  app: ReturnType<typeof buildApi>;
  baseUrl: string;
  db: Database;
  security: Security;
  keys: Record<Exclude<Who, 'anonymous'>, string>;
  /** Every log line the API wrote, raw. */
  logs: string[];
  /** The SQLite file the API and worker share. */
  databaseFile: string;
  /** The client of the suite's Temporal server the API uses. */
  client: Client;
  taskQueue: string;
  /** Mail the worker's activities sent. */
  inbox: Inbox;
  /** Codes of the journeys `openJourney` started, in order. */
  opened: string[];
  /** The service's metrics, with `metrics` in the options. */
  serviceMetrics?: ServiceMetrics;
  /** Calls the API over HTTP, as `who` (a kind of caller, or a raw credential). */
  call: Call;
  /** Starts a real journey (as the API does, without a start request) and waits until `stage` has its tasks open and recorded. */
  openJourney(opts?: JourneyOptions): Promise<string>;
  journey(code: string): WorkflowHandle;
  /** The journey's state, as its query answers. */
  state(code: string): Promise<JourneyState>;
  /** Another instance of the API on the same database and keys, using `temporal` (e.g. `unreachableTemporal()`). */
  withTemporal(temporal: Client): Promise<{ baseUrl: string; call: Call; close(): Promise<void> }>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** The API's policy: new journeys start with it, upgrades move journeys to it. Default: the default policy. */
  policy?: JourneyPolicy;
  rateLimitPerMinute?: number;
  jwt?: JwtConfig;
  personalDataKeys?: string;
  logLevel?: string;
  /**
   * Run a worker for this harness's journeys (default). Only a second harness of a file that never
   * starts a journey goes without: the file's own harness has the file's worker.
   */
  worker?: boolean;
  /**
   * Serve POST /webhooks/sms-status and /webhooks/sms-inbound, checking signatures with this token
   * against `publicBaseUrl` (default PUBLIC_BASE_URL; the API's own address for a sender that posts there, as the local gateway does).
   */
  smsStatus?: { authToken: string; rateLimitPerMinute?: number; publicBaseUrl?: string };
  /** The API's port (default: any free one), for a peer that must know the URL before the API starts. */
  apiPort?: number;
  /** The API's SMS sender for sign-in codes (e.g. to a local SMS gateway); without it, codes go by email. */
  sms?: SmsSender;
  /** The database the API and worker share. Default: a fresh SQLite file (createTestDatabase). */
  database?: () => Promise<TestDatabase>;
  /** Sign-in code requests per minute per client address. Default: high, so tests of a file do not meet it. */
  codeRequestsPerMinute?: number;
  /** What the worker's notifications use besides email: an SMS sender, and short task links signed by the API's secret. */
  notifications?: { sms?: SmsSender; taskLinks?: boolean };
  /** Count in the worker's activities and serve at GET /metrics the service's metrics (with the SDK's, from `sdkMetricsUrl`). */
  metrics?: { sdkMetricsUrl?: string };
  /** Disaggregated figures: the smallest count shown. Default: the service's (5). */
  reporting?: { minCellSize: number };
}

const YEAR = 365 * 86_400_000;
/** What `openJourney` starts journeys with. */
const JOURNEY_POLICY = loadPolicy('default');
let bundle: Promise<WorkflowBundleOption> | undefined;
const workflowBundle = () => (bundle ??= journeyWorkflowBundle());

export async function createApiHarness(opts: HarnessOptions = {}): Promise<ApiHarness> {
  const withWorker = opts.worker ?? true;
  const [env, testDb] = await Promise.all([connectToSuiteServer(), (opts.database ?? createTestDatabase)(), withWorker ? workflowBundle() : undefined]);
  const { db } = testDb;
  await addHanoiHealthDepartment(db); // "staff of another province"

  const taskQueue = uniqueTaskQueue('api');
  const serviceMetrics = opts.metrics ? createServiceMetrics(db) : undefined;
  const inbox = await startInbox();
  const mailer = mailerFor(inbox);
  const security = createSecurity({
    personalDataKeys: opts.personalDataKeys ?? generateKeySpec('test1'),
    actionLinkSecret: randomBytes(32).toString('base64url'),
    actionLinkTtlMs: 3_600_000,
    publicBaseUrl: PUBLIC_BASE_URL,
    jwt: opts.jwt ?? null,
    rateLimitPerMinute: opts.rateLimitPerMinute ?? 100_000,
  });
  const notifications = {
    ...(opts.notifications?.sms ? { sms: opts.notifications.sms } : {}),
    ...(opts.notifications?.taskLinks ? { taskLink: security.taskLinks.issue.bind(security.taskLinks) } : {}),
  };
  const activities = createActivities({ db, mailer, publicBaseUrl: PUBLIC_BASE_URL, ...notifications, ...(serviceMetrics ? { metrics: serviceMetrics } : {}) });
  const worker = withWorker ? await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: await workflowBundle(), activities, dataConverter: testDataConverter }) : null;
  const running = worker?.run();

  const policy = opts.policy ?? loadPolicy('default');
  const logs: string[] = [];
  const logger = createLogger(opts.logLevel ?? 'info', 'api-test', { write: (line: string) => void logs.push(line) });
  const listen = async (temporal: Client, port = 0) => {
    const smsStatus = opts.smsStatus && { ...opts.smsStatus, publicBaseUrl: opts.smsStatus.publicBaseUrl ?? PUBLIC_BASE_URL, ...(serviceMetrics ? { metrics: serviceMetrics } : {}) };
    const notifier = { mailer, ...(opts.sms ? { sms: opts.sms } : {}) };
    const metrics = serviceMetrics && { exposition: metricsExposition(serviceMetrics.registry, opts.metrics?.sdkMetricsUrl), access: { token: null, open: true } };
    const app = buildApi({ temporal, taskQueue, policy, db, logger, security, notifier, codeRequestsPerMinute: opts.codeRequestsPerMinute ?? 10_000, ...(smsStatus ? { smsStatus } : {}), ...(metrics ? { metrics } : {}), ...(opts.reporting ? { reporting: opts.reporting } : {}) });
    // Real HTTP: app.inject needs light-my-request, whose `cookie` dependency is ESM-only for Node 22.
    await app.listen({ host: '127.0.0.1', port });
    return { app, baseUrl: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` };
  };
  const { app, baseUrl } = await listen(env.client, opts.apiPort);

  const expiresAt = new Date(Date.now() + YEAR);
  const key = (role: 'coordinator' | 'staff' | 'manager' | 'admin', scope: { agencyId?: string; province?: string; staffId?: string } = {}, expires = expiresAt) =>
    createApiKey(db.prisma, { owner: `test ${role}`, role, ...scope, expiresAt: expires, createdBy: 'test' }).then((k) => k.key);
  const staffKey = (agencyId: string, province = 'VN-DN') => key('staff', { agencyId, province, staffId: `${agencyId}-caseworker-1` });
  const revoked = await key('coordinator', { agencyId: 'dn-health', province: 'VN-DN', staffId: 'dn-health-coordinator-1' });
  await db.prisma.apiKey.updateMany({ where: { id: revoked.split('_')[1]! }, data: { revokedAt: new Date() } });
  const keys: ApiHarness['keys'] = {
    expired: await key('coordinator', { agencyId: 'dn-health', province: 'VN-DN', staffId: 'dn-health-coordinator-1' }, new Date(Date.now() - 1000)),
    revoked,
    coordinator: await key('coordinator', { agencyId: 'dn-health', province: 'VN-DN', staffId: 'dn-health-coordinator-1' }),
    staff: await staffKey('dn-health'),
    staffPolice: await staffKey('dn-police'),
    staffShelter: await staffKey('dn-shelter'),
    manager: await key('manager', { agencyId: 'dn-health', province: 'VN-DN', staffId: 'dn-health-manager-1' }),
    managerNational: await key('manager', { province: 'national' }),
    admin: await key('admin'),
    coordinatorHN: await key('coordinator', { agencyId: 'hn-health', province: 'VN-HN', staffId: 'hn-health-coordinator-1' }),
    staffHN: await staffKey('hn-health', 'VN-HN'),
  };
  const callerAt =
    (base: string): Call =>
    async (who, method, url, o = {}) => {
      const credential = who === 'anonymous' ? undefined : (keys as Record<string, string>)[who] ?? who;
      const headers: Record<string, string> = { ...(credential ? { authorization: `Bearer ${credential}` } : {}), ...(o.headers ?? {}) };
      let payload: string | undefined;
      if (o.body !== undefined) {
        payload = typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
        headers['content-type'] ??= 'application/json';
      }
      const res = await fetch(`${base}${url}`, { method, headers, body: payload });
      const text = await res.text();
      let body: unknown = undefined;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = undefined;
      }
      return { status: res.status, body, headers: Object.fromEntries(res.headers.entries()), text };
    };

  const opened: string[] = [];
  const journey = (code: string) => journeyHandle(env.client, code);
  const state = (code: string) => journey(code).query(journeyStateQuery);
  const hasOpenTasks = (s: JourneyState) => s.tasks.some((t) => t.status === 'open' || t.status === 'acknowledged');

  /** Waits until the journey's state satisfies `ready` and everything up to it is in the database. */
  async function settled(code: string, ready: (s: JourneyState) => boolean, timeoutMs = 20_000): Promise<JourneyState> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    for (;;) {
      try {
        const s = await state(code);
        last = s.history.map((e) => e.action);
        // The journey writes its history last in each sync: all of it in the database means the sync is done.
        if (ready(s) && (await db.prisma.journeyAction.count({ where: { caseCode: code } })) === s.history.length) return s;
      } catch (error) {
        last = error; // a journey whose first workflow task has not run yet cannot answer its query
      }
      if (Date.now() > deadline) throw new Error(`journey ${code} did not settle; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  const extraApis: { close(): Promise<unknown> }[] = [];
  return {
    app,
    baseUrl,
    db,
    security,
    keys,
    logs,
    databaseFile: testDb.databaseUrl.slice('file:'.length),
    client: env.client,
    taskQueue,
    inbox,
    opened,
    serviceMetrics,
    call: callerAt(baseUrl),
    journey,
    state,
    async openJourney(o = {}) {
      if (!worker) throw new Error('this harness runs no worker: its journeys would never move');
      const province = o.province ?? 'VN-DN';
      const code = o.code ?? uniqueCode(province === 'VN-DN' ? 'DN' : province.slice(3));
      const handle = await startJourney(env.client, taskQueue, await storePolicy(db.prisma, JOURNEY_POLICY), { caseCode: code, province, leadAgencyId: o.leadAgencyId ?? 'dn-health' });
      opened.push(code);
      // As POST /cases does: the journey's first tasks are recorded before anyone acts on them.
      await firstTasksRecorded(env.client, code, 10_000);
      const stage = o.stage ?? 'reception';
      if (stage !== 'reception') await advanceTo(handle, stage, o.plan);
      await settled(code, (s) => s.stage === stage && hasOpenTasks(s));
      return code;
    },
    async withTemporal(temporal) {
      const other = await listen(temporal);
      extraApis.push(other.app);
      return { baseUrl: other.baseUrl, call: callerAt(other.baseUrl), close: () => other.app.close() };
    },
    async close() {
      await Promise.all(extraApis.map((a) => a.close()));
      await app.close();
      worker?.shutdown();
      await running;
      // The suite's server outlives this file: end what ran on this harness's queue (best effort).
      if (worker) await terminateJourneys(env.client, taskQueue, opened);
      mailer.close();
      await inbox.close();
      await env.teardown();
      await testDb.close();
    },
  };
}

async function terminateJourneys(client: Client, taskQueue: string, opened: string[]) {
  const ids = new Set(opened.map((code) => `journey-${code}`));
  try {
    for await (const wf of client.workflow.list({ query: `TaskQueue = "${taskQueue}" AND ExecutionStatus = "Running"` })) ids.add(wf.workflowId);
  } catch {
    // visibility is a convenience here
  }
  await Promise.all([...ids].map((id) => client.workflow.getHandle(id).terminate('test finished').catch(() => undefined)));
}

/**
 * A real client for an address where nothing listens: every call meets a real connection failure.
 * Its retry interceptor is the SDK's own with two attempts instead of ten, so the outage is
 * answered in well under a second instead of after ~20 s of backoff; the error is the same.
 */
export async function unreachableTemporal(): Promise<Client> {
  const port = await findFreePort();
  const connection = Connection.lazy({ address: `127.0.0.1:${port}`, interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: 2 }))] });
  return new Client({ connection, dataConverter: testDataConverter });
}

/** Polls GET /cases/:code until `ready` holds. */
export async function waitForCase<T>(h: ApiHarness, code: string, ready: (state: T) => boolean, who = 'coordinator', timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await h.call(who, 'GET', `/cases/${code}`);
    if (res.status === 200 && ready(res.body as T)) return res.body as T;
    if (Date.now() > deadline) throw new Error(`case ${code} did not reach the state; last: ${res.status} ${res.text.slice(0, 300)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** This test file's run: the suite's Temporal server is shared by every file, so codes carry it. */
const RUN = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`.toUpperCase();
let counter = 0;
/** A case code no other test (of any file, of any run on the same server) uses. */
export const uniqueCode = (prefix = 'DN') => `${prefix}-${RUN}-${(++counter).toString(36).toUpperCase()}`;
