/**
 * Everything a journey test runs on, all real: a time-skipping Temporal server, a worker with the
 * real activities, a migrated and seeded database (SQLite, or PostgreSQL), and an SMTP server that
 * keeps the mail.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../src/activities';
import { startJourney } from '../../src/client/journeys';
import type { Database, DatabaseProvider } from '../../src/db/client';
import { storePolicy } from '../../src/db/policy-bodies';
import { loadPolicy } from '../../src/policy';
import type { JourneyPolicy } from '../../src/policy/schema';
import { journeyStateQuery, type JourneyState, type OpenCase } from '../../src/journey/definitions';
import { mailerFor, startInbox, type Inbox } from './smtp';
import { testDataConverter } from './codec';
import { createTimeSkippingEnv, journeyWorkflowBundle, uniqueTaskQueue } from './temporal';
import { createTestDatabase } from './test-database';

export const PUBLIC_BASE_URL = 'http://127.0.0.1:3000';

export interface JourneyHarness {
  /** The time-skipping server of the current `run`. */
  readonly env: TestWorkflowEnvironment;
  /** The task queue the worker of the current `run` polls. */
  readonly taskQueue: string;
  db: Database;
  inbox: Inbox;
  policy: JourneyPolicy;
  start(caseCode: string, overrides?: Partial<OpenCase>): ReturnType<typeof startJourney>;
  /** Runs `fn` on a time-skipping server of its own, while a worker polls. */
  run<T>(fn: () => Promise<T>): Promise<T>;
  teardown(): Promise<void>;
}

export async function createJourneyHarness(
  policy: JourneyPolicy = loadPolicy('default'),
  provider: DatabaseProvider = 'sqlite',
): Promise<JourneyHarness> {
  const testDb = await createTestDatabase(provider);
  const { db } = testDb;
  const inbox = await startInbox();
  const mailer = mailerFor(inbox);
  const workflowBundle = await journeyWorkflowBundle();
  const activities = createActivities({ db, mailer, publicBaseUrl: PUBLIC_BASE_URL });
  let current: { env: TestWorkflowEnvironment; taskQueue: string } | undefined;
  const running = () => {
    if (!current) throw new Error('the time-skipping server exists only inside h.run()');
    return current;
  };
  return {
    get env() {
      return running().env;
    },
    get taskQueue() {
      return running().taskQueue;
    },
    db,
    inbox,
    policy,
    async start(caseCode, overrides) {
      const { env, taskQueue } = running();
      // As the API does: the body is stored, the journey starts with its reference.
      return startJourney(env.client, taskQueue, await storePolicy(db.prisma, policy), { caseCode, province: 'VN-DN', leadAgencyId: 'dn-health', ...overrides });
    },
    /**
     * Each run gets a time-skipping server of its own, so a journey of one test can never hold the
     * clock of the next (the server keeps time locked while any workflow or activity task is out).
     * A worker cannot run twice either: each run makes one from the same bundle.
     */
    async run(fn) {
      const env = await createTimeSkippingEnv({ searchAttributes: true });
      current = { env, taskQueue: uniqueTaskQueue('journey') };
      try {
        const worker = await Worker.create({ connection: env.nativeConnection, taskQueue: current.taskQueue, workflowBundle, activities, dataConverter: testDataConverter });
        return await worker.runUntil(fn);
      } finally {
        current = undefined;
        await env.teardown();
      }
    },
    async teardown() {
      mailer.close();
      await inbox.close();
      await testDb.close();
    },
  };
}

/**
 * The policy with every stage after the one before it, as journeys ran before stages could
 * overlap: for tests of one task's ladder, which verification opening alongside reception would
 * crowd with its own reminders.
 */
export function oneStageAtATime(policy: JourneyPolicy): JourneyPolicy {
  return { ...policy, stages: policy.stages.map((s) => ({ ...s, startsWithPrevious: false })) };
}

/** Polls the journey's query until `ready` holds: activities run in real time even when timers skip. */
export async function waitForState(
  handle: { query: (q: typeof journeyStateQuery) => Promise<JourneyState> },
  ready: (s: JourneyState) => boolean,
  timeoutMs = 10_000,
): Promise<JourneyState> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await handle.query(journeyStateQuery);
    if (ready(state)) return state;
    if (Date.now() > deadline) throw new Error(`journey state not reached; last: ${JSON.stringify(state.history)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Waits until no activity or workflow task of the journey is in flight (seen twice, 50 ms apart).
 * Terminate only then: the time-skipping server keeps its clock locked for a task that completes
 * after its workflow was terminated, and the next `env.sleep` of the file would hang.
 */
export async function waitUntilIdle(handle: { describe(): Promise<{ raw: { pendingActivities?: unknown[] | null; pendingWorkflowTask?: unknown } }> }, timeoutMs = 30_000) {
  const idle = async () => {
    const { raw } = await handle.describe();
    return (raw.pendingActivities?.length ?? 0) === 0 && !raw.pendingWorkflowTask;
  };
  const deadline = Date.now() + timeoutMs;
  while (!((await idle()) && (await new Promise((r) => setTimeout(r, 50)), await idle()))) {
    if (Date.now() > deadline) throw new Error('the journey did not become idle');
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const HOUR = 3_600_000;
export const MINUTE = 60_000;
export const DAY = 24 * HOUR;
