/**
 * The daily digest on the suite's real Temporal dev server: the schedule is created idempotently,
 * a triggered run emails each province manager one summary of their own province (stalled tasks,
 * escalations, people not reached), and a second run the same day sends nothing.
 */
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../src/activities';
import { DIGEST_WORKFLOW, ensureDigestSchedule } from '../../src/notifications/digest-schedule';
import { loadPolicy } from '../../src/policy';
import { recipientsOf } from '../support/smtp';
import { testDataConverter } from '../support/codec';
import { connectToSuiteServer, uniqueTaskQueue } from '../support/temporal';
import { MAIL_FROM, caseWithTask, person, startRig, until, type NotificationRig } from './support';

let rig: NotificationRig;
let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;
const taskQueue = uniqueTaskQueue('digest');
const scheduleId = `daily-digest-test-${randomUUID()}`;
const HOUR = 3_600_000;

beforeAll(async () => {
  rig = await startRig();
  env = await connectToSuiteServer();
  const titles = new Map(loadPolicy('default').stages.flatMap((s) => s.tasks.map((t) => [t.key, t.title] as const)));
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowsPath: require.resolve('../../src/workflows'),
    dataConverter: testDataConverter,
    activities: createActivities({ db: rig.db, mailer: rig.mailer, publicBaseUrl: 'https://dong-hanh.example.gov.vn', mailFrom: MAIL_FROM, taskTitle: (k) => titles.get(k) ?? { vi: k, en: k } }),
  });
  running = worker.run();
});
afterAll(async () => {
  await env?.client.schedule.getHandle(scheduleId).delete().catch(() => undefined);
  worker?.shutdown();
  await running;
  await env?.teardown();
  await rig?.teardown();
});

test('one email per province manager with the province’s stalled tasks and escalations, once a day', async () => {
  // Đà Nẵng: a task nobody acknowledged, one acknowledged but not done, one done (not stalled).
  await person(rig.db, { id: 'dg-worker', name: 'Ngô Văn Chậm', phone: null, email: null });
  const open = await caseWithTask(rig.db, 'DN-DG-0001', 'dg-worker', new Date(Date.now() - 5 * HOUR));
  const acknowledged = await caseWithTask(rig.db, 'DN-DG-0002', 'dg-worker', new Date(Date.now() - 30 * HOUR));
  await rig.db.prisma.task.update({ where: { id: acknowledged.id }, data: { status: 'acknowledged', completeDueAt: new Date(Date.now() - HOUR), escalationLevel: 2 } });
  const done = await caseWithTask(rig.db, 'DN-DG-0003', 'dg-worker');
  await rig.db.prisma.task.update({ where: { id: done.id }, data: { status: 'done' } });
  // Yesterday's escalations of the open task: one person reached, one reached by nobody.
  const base = { taskId: open.id, level: 2, phase: 'acknowledge', purpose: 'escalation' };
  await rig.db.prisma.notification.createMany({
    data: [
      { ...base, id: `${open.id}:acknowledge:2:sms:dn-health-supervisor-1`, recipientId: 'dn-health-supervisor-1', channel: 'sms', status: 'delivered' },
      { ...base, id: `${open.id}:acknowledge:2:sms:dg-worker`, recipientId: 'dg-worker', channel: 'sms', status: 'failed', error: 'no-phone: not in the directory' },
      { ...base, id: `${open.id}:acknowledge:2:email:dg-worker`, recipientId: 'dg-worker', channel: 'email', status: 'failed', error: 'no-email: not in the directory' },
    ],
  });
  // Hà Nội has its own manager and case: neither digest shows the other province.
  await rig.db.prisma.agency.create({ data: { id: 'hn-health', province: 'VN-HN', kind: 'health_dept', nameVi: 'Sở Y tế Hà Nội', nameEn: 'Ha Noi Department of Health' } });
  await person(rig.db, { id: 'hn-manager', agencyId: 'hn-health', role: 'manager', name: 'Manager Hà Nội', language: 'en' });
  await rig.db.prisma.case.create({ data: { code: 'HN-DG-0001', province: 'VN-HN', leadAgencyId: 'hn-health', workflowId: 'journey-HN-DG-0001', stage: 'reception', status: 'active' } });
  await rig.db.prisma.task.create({
    data: { id: 'HN-DG-0001/reception', caseCode: 'HN-DG-0001', key: 'reception', stage: 'reception', agencyId: 'hn-health', status: 'open', acknowledgeDueAt: new Date(Date.now() - HOUR), completeDueAt: new Date(Date.now() + HOUR) },
  });

  const options = { taskQueue, at: '07:30', timeZone: 'Asia/Ho_Chi_Minh', scheduleId };
  await expect(ensureDigestSchedule(env.client, options)).resolves.toEqual({ scheduleId, created: true });
  await expect(ensureDigestSchedule(env.client, options)).resolves.toEqual({ scheduleId, created: false });
  const schedule = env.client.schedule.getHandle(scheduleId);
  const described = await schedule.describe();
  expect(described.spec.calendars).toEqual([expect.objectContaining({ hour: [{ start: 7, end: 7, step: 1 }], minute: [{ start: 30, end: 30, step: 1 }] })]);
  expect(described.spec.timezone).toBe('Asia/Ho_Chi_Minh');
  expect(described.action).toMatchObject({ type: 'startWorkflow', workflowType: DIGEST_WORKFLOW, taskQueue });

  await schedule.trigger();
  const firstRun = await until(async () => (await schedule.describe()).info.recentActions[0]?.action.workflow, 'the first digest run', 30_000);
  expect(await env.client.workflow.getHandle(firstRun.workflowId, firstRun.firstExecutionRunId).result()).toMatchObject({ sent: 2, alreadySent: 0 });

  const dn = rig.inbox.messages.filter((m) => recipientsOf(m).includes('dn-health-manager-1@donghanh.local'));
  const hn = rig.inbox.messages.filter((m) => recipientsOf(m).includes('hn-manager@donghanh.local'));
  expect(dn).toHaveLength(1);
  expect(hn).toHaveLength(1);
  expect(dn[0]!.subject).toMatch(/^Tổng hợp ngày \d{4}-\d{2}-\d{2} — Đà Nẵng: 2 việc quá hạn, 1 lượt cảnh báo$/);
  const text = dn[0]!.text!;
  expect(text).toContain('- DN-DG-0001: Tiếp nhận, bảo đảm an toàn, chỗ ở, ăn uống, sơ cứu, phiên dịch — cần được xác nhận tiếp nhận trước');
  expect(text).toContain('- DN-DG-0002: Tiếp nhận, bảo đảm an toàn, chỗ ở, ăn uống, sơ cứu, phiên dịch — cần được hoàn thành trước');
  expect(text).toContain('mức 2, 1 tin nhắn');
  expect(text).toMatch(/- Ngô Văn Chậm \((không có số điện thoại|không có địa chỉ email); (không có số điện thoại|không có địa chỉ email)\) — DN-DG-0001/);
  expect(text).not.toContain('DN-DG-0003');
  expect(text).not.toContain('HN-DG-0001');
  expect(hn[0]!.subject).toMatch(/^Daily digest \d{4}-\d{2}-\d{2} — Hà Nội: 1 overdue tasks, 0 escalations$/);
  expect(hn[0]!.text).not.toContain('DN-DG-');

  // A second run the same day (a retry, a manual trigger) sends nothing more.
  await schedule.trigger();
  const secondRun = await until(async () => {
    const actions = (await schedule.describe()).info.recentActions;
    return actions.length >= 2 ? actions.at(-1)!.action.workflow : undefined;
  }, 'the second digest run', 30_000);
  expect(await env.client.workflow.getHandle(secondRun.workflowId, secondRun.firstExecutionRunId).result()).toMatchObject({ sent: 0, alreadySent: 2 });
  expect(rig.inbox.messages).toHaveLength(2);
});

test('a manager whose mailbox refuses the digest does not hold back the others', async () => {
  // Managers are served in id order: the refused one comes first.
  await person(rig.db, { id: 'dg-manager-a', role: 'manager', name: 'Manager A' });
  await person(rig.db, { id: 'dg-manager-b', role: 'manager', name: 'Manager B' });
  rig.refuse.set('dg-manager-a@donghanh.local', { code: 550, times: 1_000 });
  const before = rig.inbox.messages.length;

  const schedule = env.client.schedule.getHandle(scheduleId);
  const runs = (await schedule.describe()).info.recentActions.length;
  await schedule.trigger();
  const run = await until(async () => {
    const actions = (await schedule.describe()).info.recentActions;
    return actions.length > runs ? actions.at(-1)!.action.workflow : undefined;
  }, 'the digest run', 30_000);
  const report = await env.client.workflow.getHandle(run.workflowId, run.firstExecutionRunId).result();
  expect(report).toMatchObject({ sent: 1, refused: [{ recipientId: 'dg-manager-a', reason: expect.stringContaining('550') }] });
  expect(rig.inbox.messages.slice(before).flatMap(recipientsOf)).toEqual(['dg-manager-b@donghanh.local']);
});
