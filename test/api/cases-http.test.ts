/**
 * The coordinator API over real HTTP, on the suite's real Temporal dev server, with a worker,
 * a migrated SQLite database and a real SMTP server: a case started with `POST /cases` sends its
 * reminder email; bad input is refused with a clear 4xx and starts nothing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../src/activities';
import { buildApi } from '../../src/client/server';
import { openDatabase, type Database } from '../../src/db/client';
import { migrateDatabase } from '../../src/db/migrate';
import { seedDemoData } from '../../src/db/seed';
import { createLogger } from '../../src/logger';
import { loadPolicy } from '../../src/policy';
import { createMailer } from '../../src/transports/email';
import { journeyWorkflowId } from '../../src/workflows/definitions';
import { recipientsOf, startInbox, type Inbox } from '../support/smtp';
import { connectToSuiteServer, uniqueTaskQueue } from '../support/temporal';

let env: TestWorkflowEnvironment;
let db: Database;
let inbox: Inbox;
let dir: string;
let baseUrl: string;
let stop: () => Promise<void>;
const run = `T${Date.now().toString(36).toUpperCase()}`;
const code = (n: number) => `DN-${run}-${n}`;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dh-api-'));
  const databaseUrl = `file:${path.join(dir, 'api.db')}`;
  await migrateDatabase(databaseUrl);
  db = openDatabase(databaseUrl);
  await seedDemoData(db.prisma);
  inbox = await startInbox();
  const mailer = createMailer({ embedded: true, host: '127.0.0.1', port: inbox.port, secure: false, user: undefined, password: undefined, from: 'Đồng Hành <no-reply@donghanh.local>', catcherWebPort: 0 });
  env = await connectToSuiteServer();
  const taskQueue = uniqueTaskQueue('api');
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowsPath: require.resolve('../../src/workflows'),
    activities: createActivities({ db, mailer, publicBaseUrl: 'http://127.0.0.1:3000' }),
  });
  const running = worker.run();
  // The demo policy: the reception reminder is due 10 s after the case opens.
  const api = buildApi({ temporal: env.client, taskQueue, policy: loadPolicy('demo'), db, logger: createLogger('silent') });
  await api.listen({ host: '127.0.0.1', port: 0 });
  baseUrl = `http://127.0.0.1:${(api.server.address() as AddressInfo).port}`;
  stop = async () => {
    await api.close();
    worker.shutdown();
    await running;
    mailer.close();
  };
});

afterAll(async () => {
  await stop?.();
  await env?.teardown();
  await inbox?.close();
  await db?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const post = (url: string, body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  fetch(`${baseUrl}${url}`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });

async function expectNoJourney(caseCode: string) {
  await expect(env.client.workflow.getHandle(journeyWorkflowId(caseCode)).describe()).rejects.toThrow(WorkflowNotFoundError);
}

test('POST /cases starts the journey; its reception reminder reaches the assignee by email', async () => {
  const res = await post('/cases', { caseCode: code(1), province: 'VN-DN', leadAgencyId: 'dn-health' });
  expect(res.status).toBe(201);
  expect(await res.json()).toMatchObject({ caseCode: code(1), workflowId: `journey-${code(1)}` });

  const described = await env.client.workflow.getHandle(journeyWorkflowId(code(1))).describe();
  expect(described.status.name).toBe('RUNNING');

  let state: { tasks: { id: string; assigneeId: string }[] } = { tasks: [] };
  for (let i = 0; i < 100 && state.tasks.length === 0; i++) {
    state = (await (await fetch(`${baseUrl}/cases/${code(1)}`)).json()) as typeof state;
    await new Promise((r) => setTimeout(r, 50));
  }
  const assignee = await db.prisma.staffMember.findUniqueOrThrow({ where: { id: state.tasks[0]!.assigneeId } });
  const [mail] = await inbox.waitFor(1, 30_000);
  expect(recipientsOf(mail!)).toEqual([assignee.email]);
  expect(mail!.subject).toContain(code(1));

  const ack = await post(`/cases/${code(1)}/tasks/reception/acknowledge`, { staffId: assignee.id });
  expect(ack.status).toBe(200);
  expect((await ack.json()) as object).toMatchObject({ status: 'acknowledged' });
  const again = await post(`/cases/${code(1)}/tasks/reception/acknowledge`, { staffId: assignee.id });
  expect(again.status).toBe(409);
  expect(again.headers.get('content-type')).toContain('application/problem+json');
});

test('a second POST with the same case code is a 409 conflict', async () => {
  expect((await post('/cases', { caseCode: code(2), province: 'VN-DN', leadAgencyId: 'dn-health' })).status).toBe(201);
  const dup = await post('/cases', { caseCode: code(2), province: 'VN-DN', leadAgencyId: 'dn-health' });
  expect(dup.status).toBe(409);
  expect(((await dup.json()) as { detail: string }).detail).toContain(code(2));
});

test.each([
  ['a missing field', { caseCode: code(3), province: 'VN-DN' }, 'leadAgencyId'],
  ['a wrong type', { caseCode: 42, province: 'VN-DN', leadAgencyId: 'dn-health' }, 'caseCode'],
  ['an unknown province code', { caseCode: code(3), province: 'VN-XX', leadAgencyId: 'dn-health' }, 'province'],
  ['a lead agency of another province', { caseCode: code(3), province: 'VN-HN', leadAgencyId: 'dn-health' }, 'leadAgencyId'],
  ['an unknown field', { caseCode: code(3), province: 'VN-DN', leadAgencyId: 'dn-health', fullName: 'x' }, ''],
])('%s is a 400 naming the field, and starts no journey', async (_what, body, field) => {
  const res = await post('/cases', body, { 'content-type': 'application/json', 'accept-language': 'en' });
  expect(res.status).toBe(400);
  const problem = (await res.json()) as { errors: { path: string }[] };
  expect(problem).toMatchObject({ status: 400, title: 'Invalid request' });
  expect(problem.errors.map((e) => e.path).join(' ')).toContain(field);
  await expectNoJourney(code(3));
});

test('problem titles are in Vietnamese unless the caller prefers English', async () => {
  const res = await post('/cases', {});
  expect(((await res.json()) as { title: string }).title).toBe('Yêu cầu không hợp lệ');
});

test('an oversized body is a 413 and a non-JSON body a 415; neither starts a journey', async () => {
  const big = await post('/cases', { caseCode: code(4), province: 'VN-DN', leadAgencyId: 'dn-health', pad: 'x'.repeat(20_000) });
  expect(big.status).toBe(413);
  const text = await post('/cases', `caseCode=${code(4)}`, { 'content-type': 'text/plain' });
  expect(text.status).toBe(415);
  const broken = await post('/cases', '{"caseCode":', { 'content-type': 'application/json' });
  expect(broken.status).toBe(400);
  await expectNoJourney(code(4));
});

test('unknown cases and tasks are 404s', async () => {
  expect((await fetch(`${baseUrl}/cases/${code(9)}`)).status).toBe(404);
  expect((await fetch(`${baseUrl}/cases/not a code`)).status).toBe(400);
  const res = await post(`/cases/${code(9)}/tasks/reception/acknowledge`, { staffId: 'dn-health-caseworker-1' });
  expect(res.status).toBe(404);
});
