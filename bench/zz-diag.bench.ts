/**
 * Escalation latency: many tasks pass their deadline at about the same moment; how long from each
 * task's deadline until its reminder is accepted by the SMTP server and by the SMS gateway?
 * All journeys are started while no worker runs, so their first workflow tasks, and with them
 * the tasks' deadlines, bunch together when the worker starts.
 */
import { Worker } from '@temporalio/worker';
import { createActivities } from '../src/activities';
import { startJourney } from '../src/client/journeys';
import { storePolicy } from '../src/db/policy-bodies';
import { startSmsGateway } from '../src/local/sms-gateway';
import { loadPolicy } from '../src/policy';
import { createSmsSender } from '../src/transports/sms';
import { testDataConverter } from '../test/support/codec';
import { mailerFor, startInbox } from '../test/support/smtp';
import { connectToSuiteServer, journeyWorkflowBundle, uniqueTaskQueue } from '../test/support/temporal';
import { createTestDatabase } from '../test/support/test-database';
import { percentile, recordSection } from './support/results'; void recordSection;

const TASKS = Number(process.env.BENCH_ESCALATION_TASKS ?? 1000);
/** Long enough for every journey to be opened before the first deadline. */
const ACKNOWLEDGE_WITHIN_S = Number(process.env.BENCH_ESCALATION_DEADLINE_S ?? 90);
const CASE = /\b(ESC-[0-9A-Z]+-\d+)\b/;

test('escalation latency', async () => {
  const testDb = await createTestDatabase();
  const { db } = testDb;
  const emailAt = new Map<string, number>();
  const smsAt = new Map<string, number>();
  const duplicates = { email: 0, sms: 0 };
  const arrived = (into: Map<string, number>, kind: 'email' | 'sms', text: string | undefined) => {
    const code = text?.match(CASE)?.[1];
    if (!code) return;
    if (into.has(code)) duplicates[kind]++;
    else into.set(code, Date.now());
  };
  const inbox = await startInbox({ onMessage: (mail) => arrived(emailAt, 'email', mail.subject) });
  const sms = { accountSid: `AC${'0'.repeat(32)}`, authToken: 'bench-token' };
  const gateway = await startSmsGateway({ ...sms, stepDelayMs: 5, capacity: TASKS * 2 });
  gateway.events.on('message', (m) => arrived(smsAt, 'sms', m.body));
  const mailer = mailerFor(inbox);
  const env = await connectToSuiteServer();
  const taskQueue = uniqueTaskQueue('bench-escalation');

  const base = loadPolicy('default');
  const policy = structuredClone(base);
  policy.stages[0]!.tasks[0]!.acknowledgeWithin = `${ACKNOWLEDGE_WITHIN_S}s`;
  const run = Date.now().toString(36).toUpperCase();
  const codes = Array.from({ length: TASKS }, (_, i) => `ESC-${run}-${i}`);

  const stored = await storePolicy(db.prisma, policy);
  const startedAt = performance.now();
  for (let i = 0; i < codes.length; i += 50) {
    await Promise.all(codes.slice(i, i + 50).map((caseCode) => startJourney(env.client, taskQueue, stored, { caseCode, province: 'VN-DN', leadAgencyId: 'dn-health' })));
  }
  const startSeconds = (performance.now() - startedAt) / 1000;

  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await journeyWorkflowBundle(),
    dataConverter: testDataConverter,
    activities: createActivities({ db, mailer, publicBaseUrl: 'http://127.0.0.1:3000', sms: createSmsSender({ ...sms, baseUrl: gateway.url, from: '+84900000999' }) }),
  });
  await worker.runUntil(async () => {
    const give = Date.now() + (ACKNOWLEDGE_WITHIN_S + 240) * 1000;
    while ((emailAt.size < TASKS || smsAt.size < TASKS) && Date.now() < give) await new Promise((r) => setTimeout(r, 200));
    // A little longer: a duplicate would arrive after the first copy.
    await new Promise((r) => setTimeout(r, 3000));
    await Promise.all(codes.map((c) => env.client.workflow.getHandle(`journey-${c}`).terminate('benchmark done').catch(() => undefined)));
  });

  const tasks = await db.prisma.task.findMany({ where: { caseCode: { in: codes }, key: 'reception' }, select: { caseCode: true, createdAt: true, acknowledgeDueAt: true } });
  const due = new Map(tasks.map((t) => [t.caseCode, t.acknowledgeDueAt.getTime()]));
  const dues = [...due.values()].sort((a, b) => a - b);
  const lastOpened = Math.max(...tasks.map((t) => t.createdAt.getTime()));
  const latencies = (arrivals: Map<string, number>) => [...arrivals].map(([code, at]) => at - due.get(code)!).sort((a, b) => a - b);
  const email = latencies(emailAt);
  const text = latencies(smsAt);
  const both = [...email, ...text].sort((a, b) => a - b);
  const ms = (v: number) => `${Math.round(v)} ms`;
  const p99 = percentile(both, 0.99);
  (void 0, (..._a: unknown[]) => undefined)('escalation', {
    title: 'Escalation latency: deadline to message accepted',
    goal: `${TASKS} tasks overdue together, p99 <= 1 s, every reminder once`,
    met: p99 <= 1000 && emailAt.size === TASKS && smsAt.size === TASKS && duplicates.email + duplicates.sms === 0,
    command: 'npm run bench -- bench/escalation.bench.ts',
    figures: [
      ['tasks', TASKS],
      ['deadlines fell within', ms(dues.at(-1)! - dues[0]!)],
      ['last task opened before the first deadline by', ms(dues[0]! - lastOpened)],
      ['emails accepted (duplicates)', `${emailAt.size} (${duplicates.email})`],
      ['SMS accepted (duplicates)', `${smsAt.size} (${duplicates.sms})`],
      ['email p50 / p99 / max', `${ms(percentile(email, 0.5))} / ${ms(percentile(email, 0.99))} / ${ms(email.at(-1)!)}`],
      ['SMS p50 / p99 / max', `${ms(percentile(text, 0.5))} / ${ms(percentile(text, 0.99))} / ${ms(text.at(-1)!)}`],
      ['all messages p50 / p99 / max', `${ms(percentile(both, 0.5))} / ${ms(p99)} / ${ms(both.at(-1)!)}`],
      ['journeys started (worker stopped)', `${startSeconds.toFixed(1)} s`],
    ],
    notes: ['Latency = time the SMTP server (or the SMS gateway) accepted the reminder minus the task\'s acknowledge deadline as recorded in the database.'],
  });

  for (const c of codes.slice(0, 3).concat(codes.slice(-3))) {
    const h = await env.client.workflow.getHandle(`journey-${c}`).fetchHistory();
    const evs = h.events ?? [];
    const t0 = Number(evs[0]!.eventTime!.seconds) * 1000 + Math.floor((evs[0]!.eventTime!.nanos ?? 0) / 1e6);
    console.log(c, 'due', due.get(c)! - t0, 'email', emailAt.get(c)! - t0, 'sms', smsAt.get(c)! - t0, '\n' + evs.map((e) => `${Number(e.eventTime!.seconds) * 1000 + Math.floor((e.eventTime!.nanos ?? 0) / 1e6) - t0} ${e.eventType} ${(e as any).activityTaskScheduledEventAttributes?.activityType?.name ?? ''}`).join('\n'));
  }
  await env.teardown();
  mailer.close();
  await gateway.close();
  await inbox.close();
  await testDb.close();
}, 900_000);
