/**
 * The mail relay is down and the SMS provider answers 500, then 429 with Retry-After, just as
 * many reminders fall due: every reminder is retried and delivered after recovery, once per
 * person and channel; none is lost. (Typed failures that switch channel are covered message by
 * message in test/notifications/delivery.test.ts.)
 */
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../src/activities';
import { startJourney } from '../../src/client/journeys';
import { storePolicy } from '../../src/db/policy-bodies';
import { loadPolicy } from '../../src/policy';
import { createSmsSender } from '../../src/transports/sms';
import { openTask } from '../support/journey-steps';
import { testDataConverter } from '../support/codec';
import { mailerFor, startInbox, type Inbox } from '../support/smtp';
import { connectToSuiteServer, journeyWorkflowBundle, uniqueTaskQueue } from '../support/temporal';
import { createTestDatabase } from '../support/test-database';
import { startTestGateway } from '../sms/helpers';

const JOURNEYS = 6;
const ACKNOWLEDGE_WITHIN_S = 20;
const CASE = /OUTAGE-[0-9A-Z]+-\d+/;

test('reminders due while mail and SMS fail are all delivered after recovery, once', async () => {
  const testDb = await createTestDatabase();
  const emails = new Map<string, number>();
  const count = (into: Map<string, number>, text: string | undefined) => {
    const code = text?.match(CASE)?.[0];
    if (code) into.set(code, (into.get(code) ?? 0) + 1);
  };
  let inbox: Inbox = await startInbox({ onMessage: (m) => count(emails, m.subject) });
  const mailer = mailerFor(inbox);
  const { gateway, accountSid, authToken } = await startTestGateway();
  const texts = new Map<string, number>();
  gateway.events.on('message', (m) => count(texts, m.body));
  const env = await connectToSuiteServer();
  const taskQueue = uniqueTaskQueue('outages');
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await journeyWorkflowBundle(),
    dataConverter: testDataConverter,
    activities: createActivities({ db: testDb.db, mailer, publicBaseUrl: 'http://127.0.0.1:3000', sms: createSmsSender({ accountSid, authToken, baseUrl: gateway.url, from: '+84900000999' }) }),
  });
  const running = worker.run();

  // Reception's urgent ladder: at the deadline, the assignee by email and SMS.
  const policy = structuredClone(loadPolicy('default'));
  policy.stages[0]!.tasks[0]!.acknowledgeWithin = `${ACKNOWLEDGE_WITHIN_S}s`;
  const stored = await storePolicy(testDb.db.prisma, policy);
  const codes = Array.from({ length: JOURNEYS }, (_, i) => `OUTAGE-${Date.now().toString(36).toUpperCase()}-${i}`);
  const handles = await Promise.all(codes.map((caseCode) => startJourney(env.client, taskQueue, stored, { caseCode, province: 'VN-DN', leadAgencyId: 'dn-health' })));
  try {
    await Promise.all(handles.map((h) => openTask(h, 'reception')));
    const dues = (await testDb.db.prisma.task.findMany({ where: { caseCode: { in: codes }, key: 'reception' } })).map((t) => t.acknowledgeDueAt.getTime());

    // Both providers fail before the first deadline and stay down until after the last one.
    await inbox.close();
    gateway.faults.failNext(JOURNEYS * 2, 500);
    gateway.faults.failNext(JOURNEYS, 429, 1);
    expect(Math.min(...dues)).toBeGreaterThan(Date.now());
    await new Promise((r) => setTimeout(r, Math.max(...dues) - Date.now() + 5000));
    expect(emails.size).toBe(0);
    inbox = await startInbox({ port: inbox.port, onMessage: (m) => count(emails, m.subject) });

    const deadline = Date.now() + 90_000;
    while ((emails.size < JOURNEYS || texts.size < JOURNEYS) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    // Every fault was met (the SMS were retried through all of them), then every reminder arrived.
    expect(gateway.faults.snapshot().pendingApiFaults).toEqual([]);
    await new Promise((r) => setTimeout(r, 3000));
    expect(codes.map((c) => [emails.get(c), texts.get(c)])).toEqual(codes.map(() => [1, 1]));
    const rows = await testDb.db.prisma.notification.findMany({ where: { task: { caseCode: { in: codes } } }, select: { status: true, channel: true } });
    expect(rows.filter((r) => r.status !== 'sent' && r.status !== 'delivered')).toEqual([]);
    expect(rows).toHaveLength(JOURNEYS * 2);
  } finally {
    await Promise.all(handles.map((h) => h.terminate('test finished').catch(() => undefined)));
    worker.shutdown();
    await running;
    await env.teardown();
    mailer.close();
    await gateway.close();
    await inbox.close();
    await testDb.close();
  }
}, 240_000);
