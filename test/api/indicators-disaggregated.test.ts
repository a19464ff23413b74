/**
 * Indicators disaggregated by sex, age group and child/adult (GET /indicators?by=…): seeded cases
 * with known personal data (encrypted, as the API stores it) and known task completions; every
 * cell checked against the known counts, small cells suppressed (with their complements), the
 * age taken at the case's opening in Vietnam time, no personal data in the answer or the logs,
 * and the aggregate read audited.
 */
import { disaggregatedIndicators, suppress } from '../../src/reports/disaggregation';
import { indicatorHits, periodBounds } from '../../src/reports/indicators';
import { ageOn, demographicsOf } from '../../src/personal-data/demographics';
import { generateKeySpec, parseKeyring } from '../../src/personal-data/crypto';
import { PersonalDataStore } from '../../src/personal-data/store';
import type { PersonalData } from '../../src/personal-data/schema';
import { loadPolicy } from '../../src/policy';
import { createApiHarness, type ApiHarness } from './support/harness';

let h: ApiHarness;
let store: PersonalDataStore;
const at = (iso: string) => new Date(iso);
/** 00:30 on 11 April 2025 in Vietnam, still 10 April in UTC. */
const OPENED = '2025-04-10T17:30:00Z';
const DONE = '2025-04-12T03:00:00Z';

/** What must never leave: each seeded person's name, phone and date of birth. */
const secrets: string[] = [];

async function seedCase(code: string, province: string, openedAt: string, person: Omit<PersonalData, 'fullName'> | null) {
  const lead = province === 'VN-DN' ? 'dn-health' : 'hn-health';
  await h.db.prisma.case.create({ data: { code, province, leadAgencyId: lead, workflowId: `journey-${code}`, stage: 'reception', status: 'active', openedAt: at(openedAt) } });
  if (!person) return;
  const fullName = `Bí Mật ${code}`;
  const phone = `+84 90 ${String(secrets.length).padStart(3, '0')} 4567`;
  await store.save(code, { fullName, contact: { phone }, ...person }, 'test');
  secrets.push(fullName, phone, ...(person.dateOfBirth ? [person.dateOfBirth] : []));
}
async function seedTask(caseCode: string, key: string, agencyId: string, completedAt: string, outcome?: string) {
  await h.db.prisma.task.create({
    data: { id: `${caseCode}/${key}`, caseCode, key, stage: 'x', agencyId, status: 'done', acknowledgeDueAt: at('2025-01-01T00:00:00Z'), completeDueAt: at('2025-12-01T00:00:00Z'), completedAt: at(completedAt), outcome: outcome ?? null },
  });
}
async function verified(code: string) {
  await seedTask(code, 'verify-initial-information', 'dn-health', DONE);
  await seedTask(code, 'police-verification', 'dn-police', DONE);
}

beforeAll(async () => {
  h = await createApiHarness();
  store = new PersonalDataStore(h.db.prisma, h.security.keyring);
  // Đà Nẵng, received in Q2 2025 (16 cases):
  // six women of 18–24, all verified; the last is 18 on the Vietnam day of the opening (17 on its UTC day).
  for (const [i, dob] of ['2001-04-12', '2002-01-01', '2004-06-30', '2006-12-31', '2003-03-03', '2007-04-11'].entries()) {
    await seedCase(`DIS-F${i}`, 'VN-DN', OPENED, { sex: 'female', dateOfBirth: dob });
    await verified(`DIS-F${i}`);
  }
  // five men of 25–39, all identified as victims.
  for (const [i, dob] of ['1990-05-05', '1985-04-12', '2000-04-11', '1995-01-01', '1988-08-08'].entries()) {
    await seedCase(`DIS-M${i}`, 'VN-DN', OPENED, { sex: 'male', dateOfBirth: dob });
    await seedTask(`DIS-M${i}`, 'identification-decision', 'dn-police', '2025-05-01T03:00:00Z', 'victim');
  }
  // two girls of 12–15, verified.
  for (const [i, dob] of ['2012-01-01', '2009-04-12'].entries()) {
    await seedCase(`DIS-C${i}`, 'VN-DN', OPENED, { sex: 'female', dateOfBirth: dob });
    await verified(`DIS-C${i}`);
  }
  // a girl of 17 at the opening (19 today: the age is not today's).
  await seedCase('DIS-E17', 'VN-DN', OPENED, { sex: 'female', dateOfBirth: '2007-04-12' });
  // a minor without documents: no sex, no date of birth, the vulnerability "child".
  await seedCase('DIS-U', 'VN-DN', OPENED, { vulnerabilities: ['child', 'no_documents'] });
  // no personal data on file.
  await seedCase('DIS-N', 'VN-DN', OPENED, null);
  // Opened in Q1 (not received in Q2), a woman of 45 reintegrated in June.
  await seedCase('DIS-Q1', 'VN-DN', '2025-02-01T03:00:00Z', { sex: 'female', dateOfBirth: '1980-01-01' });
  await seedTask('DIS-Q1', 'community-reintegration', 'dn-commune-hoa-vang', '2025-06-01T03:00:00Z');
  // Hà Nội: five women of 25–39 received in May.
  for (let i = 0; i < 5; i++) await seedCase(`DIS-H${i}`, 'VN-HN', '2025-05-05T03:00:00Z', { sex: 'female', dateOfBirth: '1995-06-01' });
  // January 2024: Đà Nẵng 10 women and 6 men, Hà Nội 3 women and 6 men.
  const seed = async (prefix: string, province: string, sex: 'female' | 'male', n: number) => {
    for (let i = 0; i < n; i++) await seedCase(`DIS-Y${prefix}${i}`, province, '2024-01-10T03:00:00Z', { sex, dateOfBirth: '1990-01-01' });
  };
  await seed('DF', 'VN-DN', 'female', 10);
  await seed('DM', 'VN-DN', 'male', 6);
  await seed('HF', 'VN-HN', 'female', 3);
  await seed('HM', 'VN-HN', 'male', 6);
});
afterAll(() => h?.close());

type Cells = Record<string, unknown>[];
const body = (res: { body: any }) => res.body as { rows: { province: string }[]; disaggregation: { by: string[]; minCellSize: number; rows: { province: string; cells: Cells }[]; total: { cells: Cells } } };
/** One measure's cells keyed by their dimension values ("female", "female/18-24"). */
function measure(cells: Cells, m: string, by: string[]): Record<string, number | null> {
  return Object.fromEntries(cells.map((c) => [by.map((d) => c[d]).join('/'), c[m] as number | null]));
}
const SEXES = (f: number | null, m: number | null, o: number | null, u: number | null) => ({ female: f, male: m, other: o, unknown: u });

test('by sex for a national manager: every cell of every indicator, per province and in total, small cells suppressed with their complements', async () => {
  const res = await h.call('managerNational', 'GET', '/indicators?period=2025-Q2&by=sex');
  expect(res.status).toBe(200);
  const d = body(res).disaggregation;
  expect(d.by).toEqual(['sex']);
  expect(d.minCellSize).toBe(5);
  expect(d.rows.map((r) => r.province)).toEqual(['VN-DN', 'VN-HN']);
  const [dn, hn] = d.rows.map((r) => r.cells);
  const expected: Record<string, [ReturnType<typeof SEXES>, ReturnType<typeof SEXES>, ReturnType<typeof SEXES>]> = {
    // Raw: Đà Nẵng 9 women, 5 men, 2 unknown; Hà Nội 5 women. The 2 unknown are suppressed; the
    // 5 men with them, or they would be 16 − 9 − 0; and nationally the same.
    received: [SEXES(9, null, 0, null), SEXES(5, 0, 0, 0), SEXES(14, null, 0, null)],
    verified: [SEXES(8, 0, 0, 0), SEXES(0, 0, 0, 0), SEXES(8, 0, 0, 0)],
    identified: [SEXES(0, 5, 0, 0), SEXES(0, 0, 0, 0), SEXES(0, 5, 0, 0)],
    supported: [SEXES(0, 0, 0, 0), SEXES(0, 0, 0, 0), SEXES(0, 0, 0, 0)],
    // One woman: suppressed, and a zero beside her, since the province's total of 1 is published.
    reintegrated: [SEXES(null, null, 0, 0), SEXES(0, 0, 0, 0), SEXES(null, null, 0, 0)],
  };
  for (const [m, [dnCells, hnCells, totalCells]] of Object.entries(expected)) {
    expect([m, measure(dn!, m, ['sex'])]).toEqual([m, dnCells]);
    expect([m, measure(hn!, m, ['sex'])]).toEqual([m, hnCells]);
    expect([m, measure(d.total.cells, m, ['sex'])]).toEqual([m, totalCells]);
  }
  // The undisaggregated figures are unchanged.
  expect(body(res).rows).toEqual([
    { province: 'VN-DN', received: 16, verified: 8, identified: 5, supported: 0, reintegrated: 1 },
    { province: 'VN-HN', received: 5, verified: 0, identified: 0, supported: 0, reintegrated: 0 },
  ]);
});

test('by sex and age group for a coordinator: their province only, crossed, with every combination', async () => {
  const res = await h.call('coordinator', 'GET', '/indicators?period=2025-Q2&by=sex,ageGroup');
  expect(res.status).toBe(200);
  const d = body(res).disaggregation;
  expect(d.rows.map((r) => r.province)).toEqual(['VN-DN']);
  const cells = d.rows[0]!.cells;
  expect(cells).toHaveLength(4 * 8);
  const zerosBut = (nonZero: Record<string, number | null>) => Object.fromEntries(cells.map((c) => [`${c.sex}/${c.ageGroup}`, `${c.sex}/${c.ageGroup}` in nonZero ? nonZero[`${c.sex}/${c.ageGroup}`] : 0]));
  // 6 women 18–24 shown; 2 girls 12–15, 1 girl 16–17 and 2 unknown suppressed; and the 5 men of
  // 25–39, since `by=sex` hides the men (else 16 − 9 − 5 would give the 2 unknown), with a cell beside them
  // (else the 5 of 25–39 that `by=ageGroup` shows would give them back).
  expect(measure(cells, 'received', ['sex', 'ageGroup'])).toEqual(
    zerosBut({ 'female/18-24': 6, 'male/25-39': null, 'female/25-39': null, 'female/12-15': null, 'female/16-17': null, 'unknown/unknown': null }),
  );
  // 6 + 2 verified: the 2 are suppressed, and so the 6 beside them (8 verified is published).
  expect(measure(cells, 'verified', ['sex', 'ageGroup'])).toEqual(zerosBut({ 'female/18-24': null, 'female/12-15': null }));
  expect(measure(cells, 'identified', ['sex', 'ageGroup'])).toEqual(zerosBut({ 'male/25-39': 5 }));
  // One province: the total is that province's.
  expect(d.total.cells).toEqual(cells);
});

test('a table of more dimensions gives back no cell that one of fewer dimensions hides', async () => {
  const one = body(await h.call('managerNational', 'GET', '/indicators?period=2025-Q2&by=sex')).disaggregation;
  const two = body(await h.call('managerNational', 'GET', '/indicators?period=2025-Q2&by=ageGroup,sex')).disaggregation;
  // The order asked for does not matter: one table, one suppression.
  expect(two.by).toEqual(['sex', 'ageGroup']);
  for (const m of ['received', 'verified', 'identified', 'reintegrated']) {
    for (const [i, row] of [...one.rows, one.total].entries()) {
      const crossed = [...two.rows, two.total][i]!.cells;
      for (const c of row.cells) {
        const members = crossed.filter((x) => x.sex === c.sex).map((x) => x[m]);
        const hiddenMembers = members.filter((n) => n === null).length;
        // A hidden total keeps a hidden member; a shown one never has exactly one.
        if (c[m] === null) expect([m, c.sex, hiddenMembers]).not.toEqual([m, c.sex, 0]);
        else expect([m, c.sex, hiddenMembers]).not.toEqual([m, c.sex, 1]);
      }
    }
  }
});

test('a national manager asking one province gets its part of the national table', async () => {
  const national = body(await h.call('managerNational', 'GET', '/indicators?period=2024-01&by=sex')).disaggregation;
  // Hà Nội's 3 women are hidden, so nationally Đà Nẵng's 10 are too (13 − 10 would give them), and its 6 men with them.
  expect(measure(national.rows[0]!.cells, 'received', ['sex'])).toEqual(SEXES(null, null, 0, 0));
  expect(measure(national.rows[1]!.cells, 'received', ['sex'])).toEqual(SEXES(null, null, 0, 0));
  expect(measure(national.total.cells, 'received', ['sex'])).toEqual(SEXES(13, 12, 0, 0));
  // Asked alone, Đà Nẵng keeps that pattern: its 10 women shown would give Hà Nội's 3 away.
  const one = body(await h.call('managerNational', 'GET', '/indicators?period=2024-01&by=sex&province=VN-DN')).disaggregation;
  expect(one.rows).toEqual([national.rows[0]]);
  expect(one.total.cells).toEqual(national.rows[0]!.cells);
  // The audit says whose personal data that answer read: every province's.
  const audited = await h.db.prisma.auditEvent.findFirst({ where: { action: 'personal-data.aggregate-read', actorRole: 'manager' }, orderBy: { id: 'desc' } });
  expect(JSON.parse(audited!.detail!)).toEqual({ period: '2024-01', province: 'VN-DN', by: ['sex'], personalDataOf: 'all' });
  // Đà Nẵng's coordinator, who sees no other province, gets Đà Nẵng's own table.
  const own = body(await h.call('coordinator', 'GET', '/indicators?period=2024-01&by=sex')).disaggregation;
  expect(measure(own.rows[0]!.cells, 'received', ['sex'])).toEqual(SEXES(10, 6, 0, 0));
});

test('a record that does not decrypt counts as unknown, and the log says how many, not which', async () => {
  // March 2023: five cases whose details were sealed under a key the service no longer has.
  const lost = new PersonalDataStore(h.db.prisma, parseKeyring(generateKeySpec('gone')));
  for (let i = 0; i < 5; i++) {
    await seedCase(`DIS-K${i}`, 'VN-DN', '2023-03-10T03:00:00Z', null);
    await lost.save(`DIS-K${i}`, { fullName: `Bí Mật DIS-K${i}`, sex: 'male', dateOfBirth: '1990-01-01' }, 'test');
  }
  const before = h.logs.length;
  const res = await h.call('coordinator', 'GET', '/indicators?period=2023-03&by=sex');
  expect(measure(body(res).disaggregation.rows[0]!.cells, 'received', ['sex'])).toEqual(SEXES(0, 0, 0, 5));
  const warning = h.logs.slice(before).find((l) => l.includes('do not decrypt'));
  expect(JSON.parse(warning!)).toMatchObject({ undecryptable: 5 });
  expect(warning).not.toContain('DIS-');
});

test('by child or adult: a child is under 18 at the opening; a minor without a date of birth is a child', async () => {
  const res = await h.call('coordinator', 'GET', '/indicators?period=2025-Q2&by=childOrAdult');
  // 4 children (2 girls of 12–15, the girl of 17, the minor without documents), 11 adults, 1 unknown.
  expect(measure(body(res).disaggregation.rows[0]!.cells, 'received', ['childOrAdult'])).toEqual({ child: null, adult: 11, unknown: null });
});

test('unsuppressed, every cell is the known count: ages at the Vietnam day of the opening, unknowns their own category', async () => {
  const [from, to] = periodBounds('2025-Q2');
  const hits = await indicatorHits({ db: h.db, policy: loadPolicy('default') }, ['VN-DN'], from, to);
  const table = async (by: ('sex' | 'ageGroup' | 'childOrAdult')[]) => (await disaggregatedIndicators(store, hits, { by, provinces: ['VN-DN'], minCellSize: 1 })).table.rows[0]!.cells;
  expect(measure(await table(['ageGroup']), 'received', ['ageGroup'])).toEqual({ '0-11': 0, '12-15': 2, '16-17': 1, '18-24': 6, '25-39': 5, '40-59': 0, '60+': 0, unknown: 2 });
  expect(measure(await table(['ageGroup']), 'reintegrated', ['ageGroup'])).toMatchObject({ '40-59': 1 });
  expect(measure(await table(['sex']), 'received', ['sex'])).toEqual(SEXES(9, 5, 0, 2));
  expect(measure(await table(['childOrAdult']), 'received', ['childOrAdult'])).toEqual({ child: 4, adult: 11, unknown: 1 });
  const crossed = measure(await table(['sex', 'childOrAdult']), 'received', ['sex', 'childOrAdult']);
  expect(Object.fromEntries(Object.entries(crossed).filter(([, n]) => n))).toEqual({ 'female/child': 3, 'female/adult': 6, 'male/adult': 5, 'unknown/child': 1, 'unknown/unknown': 1 });
});

test('a smaller configured threshold shows more', async () => {
  const [from, to] = periodBounds('2025-Q2');
  const hits = await indicatorHits({ db: h.db, policy: loadPolicy('default') }, ['VN-DN'], from, to);
  const { table } = await disaggregatedIndicators(store, hits, { by: ['sex'], provinces: ['VN-DN'], minCellSize: 2 });
  // 2 unknown reach the threshold of 2; the single reintegrated woman does not.
  expect(measure(table.rows[0]!.cells, 'received', ['sex'])).toEqual(SEXES(9, 5, 0, 2));
  expect(measure(table.rows[0]!.cells, 'reintegrated', ['sex'])).toEqual(SEXES(null, null, 0, 0));
});

test('the answer and the logs hold counts only: no name, phone, date of birth or case code', async () => {
  const before = h.logs.length;
  const responses = await Promise.all(['sex', 'sex,ageGroup,childOrAdult', 'ageGroup'].map((by) => h.call('managerNational', 'GET', `/indicators?period=2025&by=${by}`)));
  const text = [...responses.map((r) => r.text), ...h.logs.slice(before)].join('\n');
  // The requests were logged (the log is there to look in).
  expect(h.logs.slice(before).join('\n')).toContain('"url":"/indicators"');
  expect(secrets.length).toBeGreaterThan(40);
  for (const secret of [...secrets, 'DIS-', 'Bí Mật']) expect(text).not.toContain(secret);
});

test('the read is audited as an aggregate read of personal data: who, which provinces, period and dimensions', async () => {
  const started = new Date();
  await h.call('coordinator', 'GET', '/indicators?from=2025-04-01&to=2025-07-01&by=sex,childOrAdult');
  await h.call('coordinator', 'GET', '/indicators?period=2025-Q2');
  const rows = await h.db.prisma.auditEvent.findMany({ where: { at: { gte: started }, action: { in: ['personal-data.aggregate-read', 'indicators.read'] } }, orderBy: { id: 'asc' } });
  expect(rows.map((r) => [r.action, r.actorRole, r.actorProvince, r.caseCode, r.outcome, JSON.parse(r.detail!)])).toEqual([
    ['personal-data.aggregate-read', 'coordinator', 'VN-DN', null, 'ok', { period: '2025-04-01/2025-07-01', province: 'VN-DN', by: ['sex', 'childOrAdult'], personalDataOf: 'VN-DN' }],
    ['indicators.read', 'coordinator', 'VN-DN', null, 'ok', { period: '2025-Q2', province: 'VN-DN' }],
  ]);
});

test('another province is a 403, audited as denied', async () => {
  const res = await h.call('coordinator', 'GET', '/indicators?period=2025&province=VN-HN&by=sex');
  expect(res.status).toBe(403);
  const last = await h.db.prisma.auditEvent.findFirst({ orderBy: { id: 'desc' } });
  expect([last?.action, last?.outcome, JSON.parse(last!.detail!)]).toEqual(['access.denied', 'denied', { permission: 'indicators.read', province: 'VN-HN' }]);
});

test.each([['period=2025&by=age'], ['period=2025&by=sex,sex'], ['period=2025&by='], ['period=2025&by=sex;ageGroup'], ['from=2025-04-01&to=2025-04-15&by=sex']])('%s is a 400 naming by', async (query) => {
  const res = await h.call('coordinator', 'GET', `/indicators?${query}`);
  expect(res.status).toBe(400);
  expect((res.body as { errors: { path: string }[] }).errors.map((e) => e.path)).toContain('by');
});

describe('suppression', () => {
  /** No sum (a row, or a column with the total row) has exactly one suppressed cell. */
  function noLoneSuppressed(table: (number | null)[][]) {
    const width = table[0]!.length;
    for (const row of table) expect(row.filter((n) => n === null).length).not.toBe(1);
    for (let k = 0; k < width; k++) expect(table.filter((row) => row[k] === null).length).not.toBe(1);
  }
  test('small cells are hidden, zero and large ones shown, and no hidden cell can be recomputed from a sum', () => {
    // Three provinces and their total (last row).
    const counts = [
      [12, 3, 0, 7],
      [6, 0, 9, 1],
      [20, 8, 5, 0],
    ];
    counts.push(counts[0]!.map((_, k) => counts.reduce((s, row) => s + row[k]!, 0)));
    const shown = suppress(['sex'], counts, 5);
    expect(shown[0]![1]).toBeNull();
    expect(shown[1]![3]).toBeNull();
    noLoneSuppressed(shown);
    for (const [i, row] of shown.entries()) for (const [k, n] of row.entries()) if (n !== null) expect(n).toBe(counts[i]![k]);
  });
});

test('ages: whole years, a birthday on 29 February, a date of birth after the opening', () => {
  expect(ageOn('2008-02-29', '2025-02-28')).toBe(16);
  expect(ageOn('2008-02-29', '2025-03-01')).toBe(17);
  expect(ageOn('2025-05-01', '2025-04-30')).toBeNull();
  expect(demographicsOf({ fullName: 'x', dateOfBirth: '2025-05-01', sex: 'other' }, at('2025-04-30T00:00:00Z'))).toEqual({ sex: 'other', ageGroup: 'unknown', childOrAdult: 'unknown' });
  expect(demographicsOf({ fullName: 'x', dateOfBirth: '1960-01-01' }, at('2025-01-01T00:00:00Z'))).toEqual({ sex: 'unknown', ageGroup: '60+', childOrAdult: 'adult' });
});

describe('the programme report (GET /reports/programme?by=…)', () => {
  const QUERY = 'from=2025-04-01&to=2025-07-01';

  test('carries the same disaggregated indicators, and the 3-day window per cell', async () => {
    const indicators = body(await h.call('managerNational', 'GET', '/indicators?period=2025-Q2&by=sex')).disaggregation;
    const res = await h.call('managerNational', 'GET', `/reports/programme?${QUERY}&by=sex`);
    expect(res.status).toBe(200);
    const d = res.body.disaggregation as typeof indicators;
    expect(d.rows.map((r) => r.province)).toEqual(['VN-DN', 'VN-HN']);
    for (const [i, row] of d.rows.entries()) {
      for (const m of ['received', 'verified', 'identified', 'supported', 'reintegrated']) expect([m, measure(row.cells, m, ['sex'])]).toEqual([m, measure(indicators.rows[i]!.cells, m, ['sex'])]);
    }
    // Every verified case was verified within 3 days of its opening, and every received case is due.
    expect(measure(d.rows[0]!.cells, 'verifiedWithin3Days', ['sex'])).toEqual(SEXES(8, 0, 0, 0));
    expect(measure(d.rows[0]!.cells, 'verificationDue', ['sex'])).toEqual(SEXES(9, null, 0, null));
    expect(measure(d.total.cells, 'verificationDue', ['sex'])).toEqual(SEXES(14, null, 0, null));
    // Without by, none.
    expect((await h.call('managerNational', 'GET', `/reports/programme?${QUERY}`)).body.disaggregation).toBeUndefined();
  });

  test('a national manager asking one province gets its part of the national table', async () => {
    const national = await h.call('managerNational', 'GET', '/reports/programme?from=2024-01-01&to=2024-02-01&by=sex');
    const one = await h.call('managerNational', 'GET', '/reports/programme?from=2024-01-01&to=2024-02-01&by=sex&province=VN-DN');
    expect(measure(one.body.disaggregation.rows[0].cells, 'received', ['sex'])).toEqual(SEXES(null, null, 0, 0));
    expect(one.body.disaggregation.rows).toEqual([national.body.disaggregation.rows[0]]);
    expect(one.body.provinces.map((p: { province: string }) => p.province)).toEqual(['VN-DN']);
  });

  test('with by, only whole calendar months', async () => {
    const res = await h.call('manager', 'GET', '/reports/programme?from=2025-04-01&to=2025-04-08&by=sex');
    expect(res.status).toBe(400);
    expect((res.body.errors as { path: string }[]).map((e) => e.path)).toContain('by');
    expect((await h.call('manager', 'GET', '/reports/programme?from=2025-04-01&to=2025-04-08')).status).toBe(200);
  });

  test('as CSV: a column per dimension, "suppressed" for a suppressed cell; audited as an aggregate read', async () => {
    const started = new Date();
    const res = await h.call('manager', 'GET', `/reports/programme?${QUERY}&by=sex&format=csv`);
    expect(res.status).toBe(200);
    const lines = res.text.split('\r\n');
    expect(lines[0]).toBe('province,measure,agency,stage,step,sex,value');
    expect(lines).toEqual(
      expect.arrayContaining([
        'VN-DN,received,,,,,16',
        'VN-DN,received,,,,female,9',
        'VN-DN,received,,,,male,suppressed',
        'VN-DN,received,,,,other,0',
        'VN-DN,verified_within_3_days,,,,female,8',
        'VN-DN,verification_due,,,,unknown,suppressed',
        'VN-DN,reintegrated,,,,female,suppressed',
      ]),
    );
    for (const secret of [...secrets, 'DIS-']) expect(res.text).not.toContain(secret);
    const rows = await h.db.prisma.auditEvent.findMany({ where: { at: { gte: started }, action: 'personal-data.aggregate-read' } });
    expect(rows.map((r) => [r.actorRole, r.target, JSON.parse(r.detail!)])).toEqual([['manager', 'programme-report', { report: 'programme', from: '2025-04-01', to: '2025-07-01', province: 'VN-DN', format: 'csv', by: ['sex'], personalDataOf: 'VN-DN' }]]);
  });
});
