/**
 * Programme indicators from the journey's records, per province and Vietnam-time period, with
 * each definition exercised at its edges (src/api/routes/indicators.ts documents them).
 */
import { computeIndicators, indicatorDefinitions, periodBounds } from '../../src/api/routes/indicators';
import type { ApiContext } from '../../src/api/context';
import { loadPolicy, type JourneyPolicy } from '../../src/policy';
import { createApiHarness, type ApiHarness } from './support/harness';

let h: ApiHarness;
const at = (iso: string) => new Date(iso);

async function seedCase(code: string, province: string, lead: string, openedAt: string) {
  await h.db.prisma.case.create({ data: { code, province, leadAgencyId: lead, workflowId: `journey-${code}`, stage: 'reception', status: 'active', openedAt: at(openedAt) } });
}
async function seedTask(caseCode: string, key: string, stage: string, agencyId: string, completedAt: string | null) {
  await h.db.prisma.task.create({
    data: { id: `${caseCode}/${key}`, caseCode, key, stage, agencyId, status: completedAt ? 'done' : 'open', acknowledgeDueAt: at('2025-01-01T00:00:00Z'), completeDueAt: at('2025-12-01T00:00:00Z'), completedAt: completedAt ? at(completedAt) : null },
  });
}
/** The identification decision as the journey's sync records it: the task, done, with its outcome. */
async function seedDecision(caseCode: string, seq: number, when: string, detail: string) {
  await seedTask(caseCode, 'identification-decision', 'identification', 'dn-police', when);
  await h.db.prisma.task.update({ where: { id: `${caseCode}/identification-decision` }, data: { outcome: detail.split(' ')[0] } });
  await h.db.prisma.journeyAction.create({ data: { id: `${caseCode}#${seq}`, caseCode, seq, at: at(when), action: 'completed', taskId: `${caseCode}/identification-decision`, detail } });
}

beforeAll(async () => {
  h = await createApiHarness();
  // A: the whole way through in Q2 2025.
  await seedCase('IND-A', 'VN-DN', 'dn-health', '2025-04-10T03:00:00Z');
  await seedTask('IND-A', 'verify-initial-information', 'initial-verification', 'dn-health', '2025-04-11T03:00:00Z');
  await seedTask('IND-A', 'police-verification', 'initial-verification', 'dn-police', '2025-04-12T03:00:00Z');
  await seedDecision('IND-A', 5, '2025-04-20T03:00:00Z', 'victim');
  await seedTask('IND-A', 'shelter-placement', 'support-services', 'dn-shelter', '2025-05-01T03:00:00Z');
  await seedTask('IND-A', 'medical-care', 'support-services', 'dn-hospital', '2025-06-15T03:00:00Z');
  // 23:59:59 on 30 June in Vietnam: still Q2.
  await seedTask('IND-A', 'community-reintegration', 'reintegration', 'dn-commune-hoa-vang', '2025-06-30T16:59:59Z');
  // B: opened 00:30 on 1 April in Vietnam (still 31 March in UTC); verification unfinished; not a victim.
  await seedCase('IND-B', 'VN-DN', 'dn-health', '2025-03-31T17:30:00Z');
  await seedTask('IND-B', 'verify-initial-information', 'initial-verification', 'dn-health', '2025-04-02T03:00:00Z');
  await seedTask('IND-B', 'police-verification', 'initial-verification', 'dn-police', null);
  await seedDecision('IND-B', 4, '2025-04-05T03:00:00Z', 'not_victim');
  // C: opened at midnight 1 July in Vietnam: Q3.
  await seedCase('IND-C', 'VN-DN', 'dn-health', '2025-06-30T17:00:00Z');
  // D: another province.
  await seedCase('IND-D', 'VN-HN', 'hn-health', '2025-05-05T03:00:00Z');
  // E: opened in Q1, identified (with a support plan in the detail) in Q2.
  await seedCase('IND-E', 'VN-DN', 'dn-health', '2025-01-10T03:00:00Z');
  await seedDecision('IND-E', 6, '2025-04-02T03:00:00Z', 'victim shelter-placement+medical-care');
});
afterAll(() => h?.close());

const DN_Q2 = { province: 'VN-DN', received: 2, verified: 1, identified: 2, supported: 1, reintegrated: 1 };

test('a coordinator gets their province for a quarter, with the definitions', async () => {
  const res = await h.call('coordinator', 'GET', '/indicators?period=2025-Q2');
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ period: { from: '2025-03-31T17:00:00.000Z', to: '2025-06-30T17:00:00.000Z', timeZone: 'Asia/Ho_Chi_Minh' }, rows: [DN_Q2] });
  expect(Object.keys((res.body as { definitions: object }).definitions)).toEqual(['received', 'verified', 'identified', 'supported', 'reintegrated']);
});

test('a national manager gets one row per province and the total', async () => {
  const res = await h.call('managerNational', 'GET', '/indicators?period=2025-Q2');
  expect(res.body).toMatchObject({
    rows: [DN_Q2, { province: 'VN-HN', received: 1, verified: 0, identified: 0, supported: 0, reintegrated: 0 }],
    total: { received: 3, verified: 1, identified: 2, supported: 1, reintegrated: 1 },
  });
});

test('months, years and explicit dates', async () => {
  const june = await h.call('coordinator', 'GET', '/indicators?period=2025-06');
  expect((june.body as { rows: unknown[] }).rows).toEqual([{ ...DN_Q2, received: 0, verified: 0, identified: 0, supported: 0, reintegrated: 1 }]);
  const july = await h.call('coordinator', 'GET', '/indicators?period=2025-07&province=VN-DN');
  expect((july.body as { rows: unknown[] }).rows).toEqual([{ province: 'VN-DN', received: 1, verified: 0, identified: 0, supported: 0, reintegrated: 0 }]);
  const year = await h.call('coordinator', 'GET', '/indicators?period=2025');
  expect((year.body as { total: { received: number } }).total.received).toBe(4);
  const days = await h.call('coordinator', 'GET', '/indicators?from=2025-04-01&to=2025-04-15');
  expect((days.body as { rows: unknown[] }).rows).toEqual([{ province: 'VN-DN', received: 2, verified: 1, identified: 1, supported: 0, reintegrated: 0 }]);
});

test('another province is a 403; an empty province still gets its row of zeros', async () => {
  expect((await h.call('coordinator', 'GET', '/indicators?period=2025&province=VN-HN')).status).toBe(403);
  const empty = await h.call('managerNational', 'GET', '/indicators?period=2025&province=VN-SG');
  expect((empty.body as { rows: unknown[] }).rows).toEqual([{ province: 'VN-SG', received: 0, verified: 0, identified: 0, supported: 0, reintegrated: 0 }]);
});

test.each([
  ['period=2025-Q5', 'period'],
  ['period=25', 'period'],
  ['from=2025-01-01', 'to'],
  ['period=2025&from=2025-01-01', 'period'],
  ['from=2025-02-01&to=2025-01-01', 'to'],
  ['from=2025-02-30&to=2025-03-01', 'from'],
  ['period=2025&extra=1', ''],
])('%s is a 400 naming %s', async (query, field) => {
  const res = await h.call('coordinator', 'GET', `/indicators?${query}`);
  expect(res.status).toBe(400);
  expect((res.body as { errors: { path: string }[] }).errors.map((e) => e.path).join(' ')).toContain(field);
});

test('the figures follow the tags of the policy, so a changed procedure keeps correct counts', async () => {
  const policy: JourneyPolicy = structuredClone(loadPolicy('default'));
  const tasks = policy.stages.flatMap((s) => s.tasks);
  // This procedure finishes verification with the health department's task alone.
  delete tasks.find((t) => t.key === 'police-verification')!.counts;
  // ... and counts every identification decision as identified, whatever its outcome.
  const decision = tasks.find((t) => t.key === 'identification-decision')!;
  decision.counts = ['identified'];
  delete decision.outcomes!.victim!.counts;
  // ... and the medical care, not the shelter, as the support delivered.
  for (const t of tasks) if (t.counts?.includes('supported')) t.counts = t.key === 'medical-care' ? ['supported'] : undefined;

  const [from, to] = periodBounds('2025-04');
  const counts = await computeIndicators({ db: h.db, policy } as ApiContext, ['VN-DN'], from, to);
  // April: A and B verified (B by its health-department task alone), A, B and E identified; A's medical care was in June.
  expect(counts.get('VN-DN')).toEqual({ received: 2, verified: 2, identified: 3, supported: 0, reintegrated: 0 });
  expect(indicatorDefinitions(policy).supported).toContain('"medical-care"');
  expect(indicatorDefinitions(policy).verified).not.toContain('police-verification');
});

test('a policy file that renames the tagged tasks keeps the figures right', async () => {
  const fs = await import('node:fs');
  const { parsePolicyText } = await import('../../src/policy/file');
  const text = fs
    .readFileSync(`${__dirname}/../../policies/default.yaml`, 'utf8')
    .replace('- key: verify-initial-information', '- key: xac-minh-ban-dau')
    .replace('- key: police-verification', '- key: cong-an-xac-minh');
  const parsed = parsePolicyText(text);
  if (!('policy' in parsed)) throw new Error(JSON.stringify(parsed.problems));
  // F (Hà Nội): both renamed verification tasks done in April; the old keys count for nothing now.
  await seedCase('IND-F', 'VN-HN', 'hn-health', '2025-04-03T03:00:00Z');
  await seedTask('IND-F', 'xac-minh-ban-dau', 'initial-verification', 'hn-health', '2025-04-04T03:00:00Z');
  await seedTask('IND-F', 'cong-an-xac-minh', 'initial-verification', 'hn-health', '2025-04-05T03:00:00Z');
  await seedTask('IND-F', 'verify-initial-information', 'initial-verification', 'hn-health', null);
  const [from, to] = periodBounds('2025-04');
  const counts = await computeIndicators({ db: h.db, policy: parsed.policy } as ApiContext, ['VN-HN', 'VN-DN'], from, to);
  expect(counts.get('VN-HN')).toEqual({ received: 1, verified: 1, identified: 0, supported: 0, reintegrated: 0 });
  // Đà Nẵng's cases were recorded under the old keys: none of them counts as verified under the renamed procedure.
  expect(counts.get('VN-DN')?.verified).toBe(0);
  expect(indicatorDefinitions(parsed.policy).verified).toContain('"xac-minh-ban-dau", "cong-an-xac-minh"');
});
