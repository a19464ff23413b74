/**
 * Journeys run by real worker processes (src/worker.ts from source, SERVICE_ROLE=worker) on the
 * suite's dev server, which tests kill: a migrated SQLite file both the test and the workers use,
 * a real SMTP server and the local Twilio-compatible gateway the workers send to, and the checks
 * that every journey finished and every due message arrived exactly once.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { startJourney } from '../../src/client/journeys';
import { storePolicy } from '../../src/db/policy-bodies';
import { acknowledgeTaskUpdate, completeTaskUpdate, type JourneyState } from '../../src/journey/definitions';
import { startSmsGateway, type SmsGateway } from '../../src/local/sms-gateway';
import { messageIdFor } from '../../src/notifications/outbox';
import { generateKeySpec } from '../../src/personal-data/crypto';
import { loadPolicy } from '../../src/policy';
import { JourneyPolicy } from '../../src/policy/schema';
import { TEST_CODEC_KEYS } from './codec';
import { startInbox, type Inbox } from './smtp';
import { journeyWorkflowBundle, suiteServerAddress, uniqueTaskQueue } from './temporal';
import { createTestDatabase, type TestDatabase } from './test-database';
import { until } from './until';

const root = path.resolve(__dirname, '../..');
export const SWC_REGISTER = ['-r', path.join(root, 'test/support/swc-register.js')];
export const WORKER_ENTRY = path.join(root, 'src/worker.ts');
const MAIL_FROM = 'Đồng Hành <no-reply@donghanh.local>';

/**
 * The reception stage alone, in seconds instead of hours: the task is due 2 s after it opens,
 * the assignee is told at once by email and SMS, the supervisor 3 s later, then nothing more.
 * Urgent, so quiet hours never hold a message back whatever the time of the run.
 */
const base = loadPolicy('default');
export const QUICK_POLICY = JourneyPolicy.parse({
  ...base,
  id: 'worker-crash-test',
  stages: [{ ...base.stages[0]!, tasks: [{ ...base.stages[0]!.tasks[0]!, acknowledgeWithin: '2s', completeWithin: '1h', ladder: 'quick' }] }],
  ladders: {
    ...base.ladders,
    quick: {
      steps: [
        { after: '0s', notify: ['assignee'], channels: ['email', 'sms'], urgent: true },
        { after: '3s', notify: ['supervisor'], channels: ['email', 'sms'], urgent: true },
      ],
      repeatEvery: '1h',
      maxRepeats: 0,
    },
  },
});
/**
 * Who is told before anyone acknowledges: the assignee and their supervisor, by email and SMS.
 * At level 1 and 2, or both at level 2 when a worker's death held the journey past the second step
 * (the ladder then sends the step due now and tells everyone of the step it passed over).
 */
const CHANNELS = ['email', 'sms'] as const;
async function dueMessages(rig: WorkerRig, task: { assigneeId: string | null }): Promise<string[]> {
  const assignee = await rig.database.db.prisma.staffMember.findUniqueOrThrow({ where: { id: task.assigneeId! } });
  return CHANNELS.flatMap((channel) => [assignee.id, assignee.supervisorId!].map((who) => `${channel}:${who}`)).sort();
}
const told = (rows: { channel: string; recipientId: string }[]) => rows.map((n) => `${n.channel}:${n.recipientId}`).sort();

export interface WorkerRig {
  database: TestDatabase;
  inbox: Inbox;
  gateway: SmsGateway;
  taskQueue: string;
  /** The environment of a worker process of this rig. */
  workerEnv: NodeJS.ProcessEnv;
  close(): Promise<void>;
}

export async function startWorkerRig(name: string): Promise<WorkerRig> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `dh-${name}-`));
  const database = await createTestDatabase('sqlite');
  const inbox = await startInbox();
  const accountSid = `AC${randomBytes(16).toString('hex')}`;
  const authToken = randomBytes(16).toString('hex');
  const gateway = await startSmsGateway({ accountSid, authToken, stepDelayMs: 5 });
  const taskQueue = uniqueTaskQueue(name);
  // One bundle for every worker start: bundling at each of many restarts would dominate the run.
  const bundle = await journeyWorkflowBundle();
  const bundleFile = 'codePath' in bundle ? bundle.codePath : path.join(dir, 'journey-workflows.js');
  if (!('codePath' in bundle)) fs.writeFileSync(bundleFile, bundle.code);
  const workerEnv: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    SERVICE_ROLE: 'worker',
    DATA_DIR: dir,
    DATABASE_URL: database.databaseUrl,
    TEMPORAL_ADDRESS: suiteServerAddress(),
    TEMPORAL_TASK_QUEUE: taskQueue,
    WORKFLOW_BUNDLE: bundleFile,
    TEMPORAL_CODEC_KEYS: TEST_CODEC_KEYS,
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(inbox.port),
    MAIL_FROM,
    TWILIO_BASE_URL: gateway.url,
    TWILIO_ACCOUNT_SID: accountSid,
    TWILIO_AUTH_TOKEN: authToken,
    TWILIO_FROM: '+84900000999',
    // Status callbacks go nowhere: what counts here is what the gateway accepted.
    PUBLIC_BASE_URL: 'http://127.0.0.1:9',
    ACTION_LINK_SECRET: randomBytes(24).toString('hex'),
    PERSONAL_DATA_KEYS: generateKeySpec('k1'),
    QUIET_HOURS: 'off',
    DIGEST_AT: 'off',
    WORKER_SHUTDOWN_GRACE: '1s',
    // info: tests wait for the worker's "worker running" line.
    LOG_LEVEL: 'info',
  };
  return {
    database,
    inbox,
    gateway,
    taskQueue,
    workerEnv,
    async close() {
      await gateway.close();
      await inbox.close();
      await database.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A worker process of the rig, not restarted by anyone; its output is kept for failure messages. */
export function forkWorker(rig: WorkerRig): { child: ChildProcess; output: () => string; exited: Promise<void> } {
  let output = '';
  const child = fork(WORKER_ENTRY, [], { cwd: root, env: rig.workerEnv, execArgv: SWC_REGISTER, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { child, output: () => output, exited };
}

/** Resolves once `check` holds; polls, because the things it reads change in other processes. */
export function eventually<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs: number): Promise<Exclude<T, false | null | undefined>> {
  return until(check, what, { timeoutMs, intervalMs: 200, retryErrors: true });
}

const receptionTaskId = (caseCode: string) => `${caseCode}/reception`;

/**
 * One journey from start to its end, as staff would take it while workers die under it: the
 * reception task is left unacknowledged until every due ladder step was sent, then acknowledged
 * and completed, which ends the journey. Updates carry fixed ids, so one repeated after a worker
 * died mid-way is applied once.
 */
export async function runJourney(client: Client, rig: WorkerRig, caseCode: string, timeoutMs: number): Promise<JourneyState> {
  const handle = await startJourney(client, rig.taskQueue, await storePolicy(rig.database.db.prisma, QUICK_POLICY), { caseCode, province: 'VN-DN', leadAgencyId: 'dn-health' });
  const taskId = receptionTaskId(caseCode);
  const task = await eventually(`${caseCode}: assignee and supervisor told`, async () => {
    const sent = await rig.database.db.prisma.notification.findMany({ where: { taskId, status: { in: ['sent', 'delivered'] } } });
    const row = await rig.database.db.prisma.task.findUnique({ where: { id: taskId } });
    if (!row || new Set(told(sent)).size < (await dueMessages(rig, row)).length) return undefined;
    return row;
  }, timeoutMs);
  const actor = { taskId, staffId: task.assigneeId ?? 'tester', agencyId: task.agencyId };
  await repeatUpdate(handle, `${caseCode}-ack`, () => handle.executeUpdate(acknowledgeTaskUpdate, { args: [actor], updateId: `${caseCode}-ack` }), timeoutMs);
  await repeatUpdate(handle, `${caseCode}-done`, () => handle.executeUpdate(completeTaskUpdate, { args: [actor], updateId: `${caseCode}-done` }), timeoutMs);
  return (await handle.result()) as JourneyState;
}

/** An update whose call failed because its worker died is sent again with the same id. */
async function repeatUpdate(_handle: WorkflowHandle, what: string, call: () => Promise<unknown>, timeoutMs: number) {
  await eventually(what, async () => (await call(), true), timeoutMs);
}

/** Every message the workers recorded as sent arrived once, and nothing else arrived. */
export async function deliveriesOf(rig: WorkerRig, caseCodes: string[]) {
  const rows = await rig.database.db.prisma.notification.findMany({ where: { taskId: { in: caseCodes.map(receptionTaskId) } } });
  const tasks = await rig.database.db.prisma.task.findMany({ where: { id: { in: caseCodes.map(receptionTaskId) } } });
  const emailRows = rows.filter((n) => n.channel === 'email');
  const smsRows = rows.filter((n) => n.channel === 'sms');
  const messageIds = rig.inbox.messages.map((m) => m.messageId);
  const sids = rig.gateway.messages().map((m) => m.sid);
  const count = (list: (string | undefined)[]) => list.reduce((m, id) => m.set(id, (m.get(id) ?? 0) + 1), new Map<string | undefined, number>());
  return {
    rows,
    statuses: [...new Set(rows.map((n) => n.status))],
    /** Per case, each message sent as channel:recipient (a repeat would show twice), and what was due. */
    toldByCase: new Map(caseCodes.map((code) => [code, told(rows.filter((n) => n.taskId === receptionTaskId(code) && n.status === 'sent'))])),
    dueByCase: new Map(await Promise.all(tasks.map(async (t) => [t.caseCode, await dueMessages(rig, t)] as const))),
    /** Message-IDs the rows stand for, and how often each reached the SMTP server. */
    emailArrivals: count(messageIds),
    expectedMessageIds: emailRows.map((n) => messageIdFor(n.id, MAIL_FROM)),
    /** SIDs the rows recorded, and how often each is at the gateway (and the gateway's total). */
    smsArrivals: count(sids),
    expectedSids: smsRows.map((n) => n.providerId ?? `(no SID for ${n.id})`),
  };
}
