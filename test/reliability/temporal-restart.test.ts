/**
 * The Temporal server stops mid-journeys and comes back on the same database file: every journey
 * resumes where it was, the worker reconnects by itself, a reminder that fell due while the server
 * was down is sent once after it is back, and staff actions go on.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../../src/activities';
import { startJourney } from '../../src/client/journeys';
import { storePolicy } from '../../src/db/policy-bodies';
import { findFreePort } from '../../src/local/ports';
import { startDevServer, type DevServer } from '../../src/local/temporal-dev-server';
import { loadPolicy } from '../../src/policy';
import { complete, openTask } from '../support/journey-steps';
import { testDataConverter } from '../support/codec';
import { mailerFor, startInbox } from '../support/smtp';
import { journeyWorkflowBundle, uniqueTaskQueue } from '../support/temporal';
import { createTestDatabase } from '../support/test-database';

const JOURNEYS = 8;
/** Verification's acknowledge deadline: long enough to open every journey and stop the server before it. */
const ACKNOWLEDGE_WITHIN_S = 30;

test('journeys resume after the Temporal server restarts on the same database file', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dh-temporal-restart-'));
  const dbFile = path.join(dir, 'temporal.db');
  const port = await findFreePort();
  const serverCfg = { namespace: 'default', port, uiPort: port + 1000, cliPath: process.env.TEMPORAL_CLI_PATH };
  const start = () => startDevServer(serverCfg, { dbFile, headless: true, log: () => {} });
  let server: DevServer = await start();

  const testDb = await createTestDatabase();
  const arrivedAt = new Map<string, number[]>();
  const inbox = await startInbox({
    onMessage: (mail) => {
      const code = mail.subject?.match(/RESTART-[0-9A-Z]+-\d+/)?.[0];
      if (code) arrivedAt.set(code, [...(arrivedAt.get(code) ?? []), Date.now()]);
    },
  });
  const mailer = mailerFor(inbox);
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection, dataConverter: testDataConverter });
  const nativeConnection = await NativeConnection.connect({ address: server.address });
  const taskQueue = uniqueTaskQueue('restart');
  const worker = await Worker.create({
    connection: nativeConnection,
    taskQueue,
    workflowBundle: await journeyWorkflowBundle(),
    dataConverter: testDataConverter,
    activities: createActivities({ db: testDb.db, mailer, publicBaseUrl: 'http://127.0.0.1:3000' }),
  });
  const running = worker.run();

  // Verification's acknowledge deadline falls while the server is down.
  const policy = structuredClone(loadPolicy('default'));
  const verification = policy.stages[1]!.tasks.find((t) => t.key === 'verify-initial-information')!;
  verification.acknowledgeWithin = `${ACKNOWLEDGE_WITHIN_S}s`;
  const stored = await storePolicy(testDb.db.prisma, policy);
  const codes = Array.from({ length: JOURNEYS }, (_, i) => `RESTART-${Date.now().toString(36).toUpperCase()}-${i}`);
  const handles = await Promise.all(codes.map((caseCode) => startJourney(client, taskQueue, stored, { caseCode, province: 'VN-DN', leadAgencyId: 'dn-health' })));
  try {
    await Promise.all(handles.map((h) => complete(h, 'reception')));
    await Promise.all(handles.map((h) => openTask(h, 'verify-initial-information')));
    const dues = (await testDb.db.prisma.task.findMany({ where: { caseCode: { in: codes }, key: 'verify-initial-information' } })).map((t) => t.acknowledgeDueAt.getTime());
    await server.stop();
    // Every deadline passes while the server is down.
    expect(Math.min(...dues)).toBeGreaterThan(Date.now());
    await new Promise((r) => setTimeout(r, Math.max(...dues) - Date.now() + 3000));
    server = await start();
    const restartedAt = Date.now();

    // Each journey's reminder for the deadline that passed while the server was down: after it is back.
    const deadline = Date.now() + 60_000;
    while (codes.some((c) => !arrivedAt.has(c)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    for (const c of codes) expect(arrivedAt.get(c)?.every((t) => t >= restartedAt)).toBe(true);

    // Staff go on: verification is acknowledged and done, the police check opens.
    for (const h of handles) await complete(h, 'verify-initial-information');
    for (const h of handles) expect((await openTask(h, 'police-verification')).status).toBe('open');
    const tasks = await testDb.db.prisma.task.findMany({ where: { caseCode: { in: codes }, key: 'verify-initial-information' } });
    expect(tasks.map((t) => t.status)).toEqual(codes.map(() => 'done'));
    // Nothing twice: the ladder's first step (the assignee's email) once per case, nothing else yet.
    await new Promise((r) => setTimeout(r, 2000));
    expect(codes.map((c) => arrivedAt.get(c)?.length)).toEqual(codes.map(() => 1));
  } finally {
    await Promise.all(handles.map((h) => h.terminate('test finished').catch(() => undefined)));
    worker.shutdown();
    await running;
    await nativeConnection.close();
    await connection.close();
    await server.stop();
    mailer.close();
    await inbox.close();
    await testDb.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 180_000);
