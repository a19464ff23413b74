/**
 * The programme report (src/reports/programme.ts) on seeded journeys with known figures: exact
 * counts over HTTP for a provincial and a national manager, province scoping, CSV, audit; and the
 * `programme-report` schedule on the suite's Temporal server: its workflow emails each manager an
 * HTML report with a CSV attachment, checked on the real SMTP server, once per period.
 */
import { randomUUID } from 'node:crypto';
import type { ParsedMail } from 'mailparser';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../src/activities';
import { programmeReport } from '../../src/reports/programme';
import { ensureProgrammeReportSchedule, PROGRAMME_REPORT_WORKFLOW } from '../../src/reports/schedule';
import { loadPolicy } from '../../src/policy';
import { testDataConverter } from '../support/codec';
import { mailerFor, recipientsOf } from '../support/smtp';
import { connectToSuiteServer, journeyWorkflowBundle, uniqueTaskQueue } from '../support/temporal';
import { createApiHarness, type ApiHarness } from './support/harness';

let h: ApiHarness;
const at = (iso: string) => new Date(iso);
const QUERY = 'from=2025-04-01&to=2025-04-08';

async function seedCase(code: string, province: string, lead: string, openedAt: string) {
  await h.db.prisma.case.create({ data: { code, province, leadAgencyId: lead, workflowId: `journey-${code}`, stage: 'reception', status: 'active', openedAt: at(openedAt) } });
}
interface TaskSeed {
  key: string;
  agencyId: string;
  ackDue: string;
  acked?: string;
  completeDue: string;
  completed?: string;
  outcome?: string;
}
async function seedTask(caseCode: string, t: TaskSeed) {
  await h.db.prisma.task.create({
    data: {
      id: `${caseCode}/${t.key}`,
      caseCode,
      key: t.key,
      stage: 'x',
      agencyId: t.agencyId,
      status: t.completed ? 'done' : t.acked ? 'acknowledged' : 'open',
      acknowledgeDueAt: at(t.ackDue),
      completeDueAt: at(t.completeDue),
      acknowledgedAt: t.acked ? at(t.acked) : null,
      completedAt: t.completed ? at(t.completed) : null,
      outcome: t.outcome ?? null,
    },
  });
}
/** The journey's records: stage starts and escalations, in order. */
async function seedHistory(caseCode: string, entries: [string, string, string?, string?][]) {
  await h.db.prisma.journeyAction.createMany({
    data: entries.map(([when, action, detail, taskKey], i) => ({ id: `${caseCode}#${i + 1}`, caseCode, seq: i + 1, at: at(when), action, detail: detail ?? null, taskId: taskKey ? `${caseCode}/${taskKey}` : null })),
  });
}

beforeAll(async () => {
  h = await createApiHarness();
  // A (Đà Nẵng): verified 2 days after the notification, identified; dn-health late to acknowledge its verification,
  // the police acknowledged theirs only by completing it (late); two escalations of the police task.
  await seedCase('RPT-A', 'VN-DN', 'dn-health', '2025-04-01T03:00:00Z');
  await seedTask('RPT-A', { key: 'reception', agencyId: 'dn-health', ackDue: '2025-04-01T07:00:00Z', acked: '2025-04-01T05:00:00Z', completeDue: '2025-04-02T03:00:00Z', completed: '2025-04-01T10:00:00Z' });
  await seedTask('RPT-A', { key: 'verify-initial-information', agencyId: 'dn-health', ackDue: '2025-04-01T12:00:00Z', acked: '2025-04-01T15:00:00Z', completeDue: '2025-04-04T03:00:00Z', completed: '2025-04-02T03:00:00Z' });
  await seedTask('RPT-A', { key: 'police-verification', agencyId: 'dn-police', ackDue: '2025-04-02T12:00:00Z', completeDue: '2025-04-04T03:00:00Z', completed: '2025-04-03T03:00:00Z' });
  await seedTask('RPT-A', { key: 'identification-decision', agencyId: 'dn-police', ackDue: '2025-04-04T03:00:00Z', acked: '2025-04-03T04:00:00Z', completeDue: '2025-04-10T03:00:00Z', completed: '2025-04-05T03:00:00Z', outcome: 'victim' });
  await seedHistory('RPT-A', [
    ['2025-04-01T03:00:00Z', 'stage-started', 'reception'],
    ['2025-04-01T10:00:00Z', 'stage-started', 'initial-verification'],
    ['2025-04-02T13:00:00Z', 'escalated', 'acknowledge:1', 'police-verification'],
    ['2025-04-02T20:00:00Z', 'escalated', 'acknowledge:2', 'police-verification'],
    ['2025-04-03T03:00:00Z', 'stage-started', 'identification'],
    ['2025-04-05T03:00:00Z', 'stage-started', 'support-plan'],
  ]);
  // B (Đà Nẵng): verified after 4 days (not within 3); the police completed late, escalated once.
  await seedCase('RPT-B', 'VN-DN', 'dn-health', '2025-04-02T03:00:00Z');
  await seedTask('RPT-B', { key: 'verify-initial-information', agencyId: 'dn-health', ackDue: '2025-04-02T07:00:00Z', acked: '2025-04-02T06:00:00Z', completeDue: '2025-04-05T03:00:00Z', completed: '2025-04-03T03:00:00Z' });
  await seedTask('RPT-B', { key: 'police-verification', agencyId: 'dn-police', ackDue: '2025-04-03T03:00:00Z', acked: '2025-04-03T01:00:00Z', completeDue: '2025-04-05T03:00:00Z', completed: '2025-04-06T03:00:00Z' });
  await seedHistory('RPT-B', [
    ['2025-04-02T03:00:00Z', 'stage-started', 'reception'],
    ['2025-04-02T09:00:00Z', 'stage-started', 'initial-verification'],
    ['2025-04-05T04:00:00Z', 'escalated', 'complete:1', 'police-verification'],
    ['2025-04-06T03:00:00Z', 'stage-started', 'identification'],
  ]);
  // C (Đà Nẵng): notified on the period's last day (17:00 in Vietnam), not verified.
  await seedCase('RPT-C', 'VN-DN', 'dn-health', '2025-04-07T10:00:00Z');
  // D (Hà Nội): reception never acknowledged nor done: two breaches, one escalation.
  await seedCase('RPT-D', 'VN-HN', 'hn-health', '2025-04-03T03:00:00Z');
  await seedTask('RPT-D', { key: 'reception', agencyId: 'hn-health', ackDue: '2025-04-03T07:00:00Z', completeDue: '2025-04-04T03:00:00Z' });
  await seedHistory('RPT-D', [
    ['2025-04-03T03:00:00Z', 'stage-started', 'reception'],
    ['2025-04-03T08:00:00Z', 'escalated', 'acknowledge:1', 'reception'],
  ]);
  // E (Đà Nẵng): opened before the period; only its late verification counts (verified, not received).
  await seedCase('RPT-E', 'VN-DN', 'dn-health', '2025-03-20T03:00:00Z');
});
afterAll(() => h?.close());

const DN = {
  province: 'VN-DN',
  indicators: { received: 3, verified: 2, identified: 1, supported: 0, reintegrated: 0 },
  verifiedWithin3Days: { due: 3, within: 1, pending: 0, share: 0.333 },
  agencies: [
    { agencyId: 'dn-health', slaBreaches: 1, escalations: 0, escalationsByStep: {} },
    { agencyId: 'dn-police', slaBreaches: 2, escalations: 3, escalationsByStep: { '1': 2, '2': 1 } },
  ],
  stages: [
    { stage: 'reception', count: 2, medianHours: 6.5 },
    { stage: 'initial-verification', count: 2, medianHours: 65.5 },
    { stage: 'identification', count: 1, medianHours: 48 },
  ],
};
const HN = {
  province: 'VN-HN',
  indicators: { received: 1, verified: 0, identified: 0, supported: 0, reintegrated: 0 },
  verifiedWithin3Days: { due: 1, within: 0, pending: 0, share: 0 },
  agencies: [{ agencyId: 'hn-health', slaBreaches: 2, escalations: 1, escalationsByStep: { '1': 1 } }],
  stages: [],
};

test('a provincial manager gets their province, with exact figures', async () => {
  const res = await h.call('manager', 'GET', `/reports/programme?${QUERY}`);
  expect(res.status).toBe(200);
  expect(res.body.period).toEqual({ from: '2025-03-31T17:00:00.000Z', to: '2025-04-07T17:00:00.000Z', timeZone: 'Asia/Ho_Chi_Minh' });
  expect(res.body.provinces).toEqual([DN]);
  expect(res.body.total).toEqual({ ...DN, province: 'total' });
});

test('a national manager gets every province and the total', async () => {
  const res = await h.call('managerNational', 'GET', `/reports/programme?${QUERY}`);
  expect(res.status).toBe(200);
  expect(res.body.provinces).toEqual([DN, HN]);
  expect(res.body.total).toEqual({
    province: 'total',
    indicators: { received: 4, verified: 2, identified: 1, supported: 0, reintegrated: 0 },
    verifiedWithin3Days: { due: 4, within: 1, pending: 0, share: 0.25 },
    agencies: [...DN.agencies, ...HN.agencies],
    stages: DN.stages,
  });
  const one = await h.call('managerNational', 'GET', `/reports/programme?${QUERY}&province=VN-HN`);
  expect(one.body.provinces).toEqual([HN]);
});

test('scope: another province is a 403 for a provincial manager; other roles may not read the report', async () => {
  const other = await h.call('manager', 'GET', `/reports/programme?${QUERY}&province=VN-HN`);
  expect(other.status).toBe(403);
  expect(other.headers['content-type']).toMatch(/application\/problem\+json/);
  for (const who of ['coordinator', 'staff', 'admin'] as const) expect((await h.call(who, 'GET', `/reports/programme?${QUERY}`)).status).toBe(403);
  expect((await h.call('anonymous', 'GET', `/reports/programme?${QUERY}`)).status).toBe(401);
});

test('CSV with format=csv or Accept: text/csv, one measure a row', async () => {
  const byFormat = await h.call('managerNational', 'GET', `/reports/programme?${QUERY}&format=csv`);
  const byAccept = await h.call('managerNational', 'GET', `/reports/programme?${QUERY}`, { headers: { accept: 'text/csv' } });
  for (const res of [byFormat, byAccept]) {
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toBe('attachment; filename="programme-report-national-2025-04-01_2025-04-08.csv"');
  }
  expect(byAccept.text).toBe(byFormat.text);
  const lines = byFormat.text.split('\r\n');
  expect(lines[0]).toBe('province,measure,agency,stage,step,value');
  expect(lines).toEqual(
    expect.arrayContaining([
      'VN-DN,received,,,,3',
      'VN-DN,verified_within_3_days,,,,1',
      'VN-DN,verified_within_3_days_share,,,,0.333',
      'VN-DN,sla_breaches,dn-police,,,2',
      'VN-DN,escalations,dn-police,,,3',
      'VN-DN,escalations,dn-police,,1,2',
      'VN-DN,median_hours,,initial-verification,,65.5',
      'VN-HN,sla_breaches,hn-health,,,2',
      'total,received,,,,4',
      'total,verified_within_3_days_share,,,,0.25',
    ]),
  );
  // Counts and ids only: no case code in it.
  expect(byFormat.text).not.toMatch(/RPT-/);
});

test('every read is audited', async () => {
  await h.call('manager', 'GET', `/reports/programme?${QUERY}&format=csv`);
  const rows = await h.db.prisma.auditEvent.findMany({ where: { action: 'report.read', actorRole: 'manager' } });
  expect(rows.map((r) => JSON.parse(r.detail!))).toEqual(expect.arrayContaining([expect.objectContaining({ report: 'programme', from: '2025-04-01', to: '2025-04-08', province: 'VN-DN', format: 'csv' })]));
});

test.each([
  ['from=2025-04-08&to=2025-04-01', 'to'],
  ['to=2025-04-08', 'from'],
  ['from=2025-04-01', 'to'],
  ['from=2025-02-30&to=2025-03-01', 'from'],
  ['from=2024-01-01&to=2025-04-01', 'to'],
  [`${QUERY}&format=xml`, 'format'],
  [`${QUERY}&province=VN-XX`, 'province'],
  [`${QUERY}&extra=1`, ''],
])('%s is a 400 naming %s', async (query, field) => {
  const res = await h.call('managerNational', 'GET', `/reports/programme?${query}`);
  expect(res.status).toBe(400);
  expect((res.body.errors as { path: string }[]).map((e) => e.path).join(' ')).toContain(field);
});

test('a case whose 3 days are not over yet and that is not verified is pending, not late', async () => {
  const report = await programmeReport({ db: h.db, policy: loadPolicy('default') }, { provinces: ['VN-DN'], from: at('2025-03-31T17:00:00Z'), to: at('2025-04-07T17:00:00Z'), now: at('2025-04-08T00:00:00Z') });
  expect(report.provinces[0]!.verifiedWithin3Days).toEqual({ due: 2, within: 1, pending: 1, share: 0.5 });
});

test('the 3 days count from the notification when the case records it, not from when it was typed in', async () => {
  const done = (code: string, when: string) => seedTask(code, { key: 'verify-initial-information', agencyId: 'dn-health', ackDue: when, acked: when, completeDue: when, completed: when });
  // Both opened on 3 June and verified two days later; one was notified two days before it was opened.
  await seedCase('RPT-NOTIFIED-EARLY', 'VN-DN', 'dn-health', '2025-06-03T03:00:00Z');
  await h.db.prisma.case.update({ where: { code: 'RPT-NOTIFIED-EARLY' }, data: { notifiedAt: at('2025-06-01T03:00:00Z'), notifiedBy: 'border_guard' } });
  await done('RPT-NOTIFIED-EARLY', '2025-06-05T03:00:00Z');
  await seedCase('RPT-NOTIFIED-OPEN', 'VN-DN', 'dn-health', '2025-06-03T03:00:00Z');
  await done('RPT-NOTIFIED-OPEN', '2025-06-05T03:00:00Z');
  const report = await programmeReport({ db: h.db, policy: loadPolicy('default') }, { provinces: ['VN-DN'], from: at('2025-06-01T17:00:00Z'), to: at('2025-06-08T17:00:00Z'), now: at('2025-06-10T00:00:00Z') });
  expect(report.provinces[0]!.verifiedWithin3Days).toEqual({ due: 2, within: 1, pending: 0, share: 0.5 });
});

describe('the programme-report schedule', () => {
  let worker: Worker;
  let env: TestWorkflowEnvironment;
  let running: Promise<void>;
  const taskQueue = uniqueTaskQueue('report');
  const scheduleId = `programme-report-test-${randomUUID()}`;
  let ownMailer: ReturnType<typeof mailerFor>;

  beforeAll(async () => {
    ownMailer = mailerFor(h.inbox);
    // A national manager (in the directory, named by PROGRAMME_REPORT_NATIONAL) and a Hà Nội manager.
    await h.db.prisma.staffMember.createMany({
      data: [
        { id: 'national-manager-1', agencyId: 'dn-health', name: 'Quản lý quốc gia', email: 'national-manager-1@donghanh.local', role: 'manager', language: 'en' },
        { id: 'hn-health-manager-1', agencyId: 'hn-health', name: 'Quản lý Hà Nội', email: 'hn-manager@donghanh.local', role: 'manager' },
      ],
    });
    // In the last 7 days: one Đà Nẵng case verified on the next day.
    const day = 86_400_000;
    const opened = new Date(Date.now() - 3 * day);
    await seedCase('RPT-NOW', 'VN-DN', 'dn-health', opened.toISOString());
    const done = new Date(opened.getTime() + day / 2).toISOString();
    await seedTask('RPT-NOW', { key: 'verify-initial-information', agencyId: 'dn-health', ackDue: done, acked: done, completeDue: done, completed: done });
    await seedTask('RPT-NOW', { key: 'police-verification', agencyId: 'dn-police', ackDue: done, acked: done, completeDue: done, completed: done });
    worker = await Worker.create({
      connection: (env = await connectToSuiteServer()).nativeConnection,
      taskQueue,
      workflowBundle: await journeyWorkflowBundle(),
      dataConverter: testDataConverter,
      activities: createActivities({ db: h.db, mailer: ownMailer, publicBaseUrl: 'http://127.0.0.1:3000', nationalReportRecipients: ['national-manager-1'] }),
    });
    running = worker.run();
  });
  afterAll(async () => {
    await h.client.schedule.getHandle(scheduleId).delete().catch(() => undefined);
    worker?.shutdown();
    await running;
    await env?.teardown();
    ownMailer?.close();
  });

  test('emails each manager an HTML report with a CSV attachment, once per period', async () => {
    const options = { taskQueue, cron: '0 7 * * 1', timeZone: 'Asia/Ho_Chi_Minh', days: 7, scheduleId };
    await expect(ensureProgrammeReportSchedule(h.client, options)).resolves.toEqual({ scheduleId, created: true });
    await expect(ensureProgrammeReportSchedule(h.client, { ...options, days: 7 })).resolves.toEqual({ scheduleId, created: false });
    const schedule = h.client.schedule.getHandle(scheduleId);
    const described = await schedule.describe();
    expect(described.spec.timezone).toBe('Asia/Ho_Chi_Minh');
    expect(described.action).toMatchObject({ type: 'startWorkflow', workflowType: PROGRAMME_REPORT_WORKFLOW, taskQueue, args: [{ days: 7 }] });

    const before = h.inbox.messages.length;
    await schedule.trigger();
    const first = await nthRun(schedule, 1);
    const result = await h.client.workflow.getHandle(first.workflowId, first.firstExecutionRunId).result();
    // Đà Nẵng's manager, Hà Nội's manager, and the national manager (not also sent Đà Nẵng's).
    expect(result).toMatchObject({ sent: 3, alreadySent: 0, refused: [], reports: [{ scope: 'VN-DN', recipients: 1 }, { scope: 'VN-HN', recipients: 1 }, { scope: 'national', recipients: 1 }] });
    const mails = h.inbox.messages.slice(before);
    const to = (address: string) => mails.filter((m) => recipientsOf(m).includes(address));
    expect(mails.length).toBe(3);

    const dn = only(to('dn-health-manager-1@donghanh.local'));
    expect(dn.subject).toMatch(/^Báo cáo chương trình \d{4}-\d{2}-\d{2} – \d{4}-\d{2}-\d{2} — Đà Nẵng$/);
    expect(dn.html).toContain('<table');
    expect(dn.html).toContain('Xác minh trong 3 ngày kể từ khi nhận tin báo: 1/1 (100%)');
    const dnCsv = csvOf(dn);
    expect(dnCsv.split('\r\n')).toEqual(expect.arrayContaining(['VN-DN,received,,,,1', 'VN-DN,verified,,,,1', 'VN-DN,verified_within_3_days_share,,,,1']));
    expect(dnCsv).not.toContain('VN-HN');

    const hn = only(to('hn-manager@donghanh.local'));
    expect(csvOf(hn).split('\r\n')).toEqual(expect.arrayContaining(['VN-HN,received,,,,0']));
    expect(csvOf(hn)).not.toContain('VN-DN');

    const national = only(to('national-manager-1@donghanh.local'));
    expect(national.subject).toMatch(/^Programme report .* — All provinces$/);
    expect(csvOf(national).split('\r\n')).toEqual(expect.arrayContaining(['VN-DN,received,,,,1']));
    // No case code, no name, in any of them.
    for (const m of mails) expect(`${m.subject}\n${m.html}\n${m.text}\n${csvOf(m)}`).not.toMatch(/RPT-|Quản lý|Đặng Văn Hùng/);

    // A second run for the same period (a retry, a manual trigger) sends nothing more.
    await schedule.trigger();
    const second = await nthRun(schedule, 2);
    expect(await h.client.workflow.getHandle(second.workflowId, second.firstExecutionRunId).result()).toMatchObject({ sent: 0, alreadySent: 3 });
    expect(h.inbox.messages.length).toBe(before + 3);
  });

});

function only(mails: ParsedMail[]): ParsedMail {
  expect(mails).toHaveLength(1);
  return mails[0]!;
}

function csvOf(mail: ParsedMail): string {
  const csv = mail.attachments.filter((a) => a.contentType === 'text/csv');
  expect(csv).toHaveLength(1);
  expect(csv[0]!.filename).toMatch(/^programme-report-(VN-[A-Z0-9]+|national)-\d{4}-\d{2}-\d{2}_\d{4}-\d{2}-\d{2}\.csv$/);
  return csv[0]!.content.toString('utf8');
}

async function nthRun(schedule: ReturnType<ApiHarness['client']['schedule']['getHandle']>, n: number) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const actions = (await schedule.describe()).info.recentActions;
    if (actions.length >= n) return actions[n - 1]!.action.workflow;
    if (Date.now() > deadline) throw new Error(`run ${n} of the schedule did not start`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
