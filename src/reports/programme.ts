/**
 * The programme report: for a period and the provinces in scope, counts only (never a name,
 * never a case code), per province and in total:
 *
 * - the five indicators (src/reports/indicators.ts);
 * - verification within 3 days of the notification (Law 53/2024 Art. 27): of the cases received
 *   in the period, how many were verified within 3 days of their opening; a case whose 3 days
 *   have not yet ended and that is not verified is `pending`, left out of the share;
 * - SLA breaches per agency: a task deadline (acknowledge or complete) that fell in the period
 *   and was not met by then — one breach per task and deadline; cancelled tasks do not count;
 * - escalations per agency and ladder step: the journey's `escalated` records in the period,
 *   under the agency that holds the task;
 * - median time per stage, in hours: stages that ended in the period (the next stage started or
 *   the case closed), from the journey's `stage-started` records.
 *
 * With `by` (and the personal data store), the indicators and the 3-day window are also
 * disaggregated by sex, age group and/or child/adult (src/reports/disaggregation.ts): counts
 * only, small cells suppressed. The emailed report does not carry them: the worker holds no
 * personal-data key.
 */
import type { Database } from '../db/client';
import type { PersonalDataStore } from '../personal-data/store';
import { DEFAULT_MIN_CELL_SIZE, disaggregate, withDemographics, type DisaggregatedTable, type Dimension } from './disaggregation';
import { ageReference, indicatorMoments, INDICATORS, zeroCounts, type Indicator, type IndicatorCounts, type ReportSource } from './indicators';

/** What the disaggregated table of the report counts: the indicators and the 3-day window. */
export type ProgrammeMeasure = Indicator | 'verifiedWithin3Days' | 'verificationDue';
export const PROGRAMME_MEASURES: ProgrammeMeasure[] = [...INDICATORS, 'verifiedWithin3Days', 'verificationDue'];

/** Art. 27: initial verification within 3 days of the notification. */
export const VERIFICATION_WINDOW_MS = 3 * 86_400_000;
const HOUR_MS = 3_600_000;

export interface VerificationWithinWindow {
  /** Cases received in the period whose 3 days are over, or that are verified already. */
  due: number;
  within: number;
  /** Received in the period, not verified, and their 3 days not yet over. */
  pending: number;
  /** within / due, rounded to 3 decimals; null when nothing is due. */
  share: number | null;
}

export interface AgencyFigures {
  agencyId: string;
  slaBreaches: number;
  escalations: number;
  /** Escalations by ladder step ("1", "2", …). */
  escalationsByStep: Record<string, number>;
}

export interface StageTime {
  stage: string;
  /** Stages of this key that ended in the period. */
  count: number;
  medianHours: number;
}

export interface ProgrammeFigures {
  /** A province code, or "total". */
  province: string;
  indicators: IndicatorCounts;
  verifiedWithin3Days: VerificationWithinWindow;
  agencies: AgencyFigures[];
  stages: StageTime[];
}

export interface ProgrammeReport {
  period: { from: string; to: string; timeZone: 'Asia/Ho_Chi_Minh' };
  generatedAt: string;
  provinces: ProgrammeFigures[];
  total: ProgrammeFigures;
  /** With `by`: the indicators and the 3-day window (within, due) per combination of the dimensions. */
  disaggregation?: DisaggregatedTable<ProgrammeMeasure>;
}

/** A report that is disaggregated reads the personal data, in memory. */
export interface DisaggregationSource {
  personalData: PersonalDataStore;
  minCellSize?: number;
}

/** Raw facts of one province, so that the total is computed from them and not from rounded figures. */
interface Facts {
  indicators: IndicatorCounts;
  window: { within: number; pending: number; received: number };
  agencies: Map<string, { slaBreaches: number; byStep: Map<number, number> }>;
  stageHours: Map<string, number[]>;
}

const emptyFacts = (): Facts => ({ indicators: zeroCounts(), window: { within: 0, pending: 0, received: 0 }, agencies: new Map(), stageHours: new Map() });

export interface ReportScope {
  /** Null: every province. */
  provinces: string[] | null;
  from: Date;
  to: Date;
  /** What "not yet over" is judged against. */
  now: Date;
  /** Provinces to show even without any case (a row of zeros). */
  always?: string[];
  /** Disaggregate by these dimensions (needs the personal data store in the source). */
  by?: readonly Dimension[];
}

/** A case's measures in the period, for the disaggregated table. */
interface CaseMeasures {
  code: string;
  province: string;
  at: Date;
  measures: ProgrammeMeasure[];
}

export async function programmeReport(src: ReportSource & Partial<DisaggregationSource>, scope: ReportScope): Promise<ProgrammeReport> {
  const facts = new Map<string, Facts>();
  const of = (province: string) => {
    let f = facts.get(province);
    if (!f) facts.set(province, (f = emptyFacts()));
    return f;
  };
  for (const p of scope.always ?? []) of(p);
  const perCase: CaseMeasures[] = [];
  const provinceOf = await indicatorFacts(src, scope, of, perCase);
  await deadlineFacts(src.db, scope, provinceOf, of);
  await journeyFacts(src.db, scope, provinceOf, of);

  // Stages in the order of the procedure.
  const order = src.policy.stages.map((s) => s.key);
  const provinces = [...facts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([province, f]) => figures(province, f, order));
  const report: ProgrammeReport = {
    period: { from: scope.from.toISOString(), to: scope.to.toISOString(), timeZone: 'Asia/Ho_Chi_Minh' },
    generatedAt: scope.now.toISOString(),
    provinces,
    total: figures('total', merge([...facts.values()]), order),
  };
  if (!scope.by) return report;
  if (!src.personalData) throw new Error('a disaggregated programme report needs the personal data store');
  const { hits } = await withDemographics(src.personalData, perCase);
  const minCellSize = src.minCellSize ?? DEFAULT_MIN_CELL_SIZE;
  return { ...report, disaggregation: disaggregate({ by: scope.by, measures: PROGRAMME_MEASURES, minCellSize, provinces: provinces.map((p) => p.province), hits }) };
}

const inPeriod = (d: Date | null | undefined, s: ReportScope) => !!d && d >= s.from && d < s.to;

/** Indicators and the 3-day window; returns each case's province. */
async function indicatorFacts(src: ReportSource, scope: ReportScope, of: (p: string) => Facts, perCase: CaseMeasures[]): Promise<Map<string, string>> {
  const { cases, moments } = await indicatorMoments(src, scope.provinces);
  for (const c of cases) {
    const f = of(c.province);
    const m = moments.get(c.code);
    const measures: ProgrammeMeasure[] = [];
    if (inPeriod(c.openedAt, scope)) {
      f.indicators.received++;
      f.window.received++;
      measures.push('received');
      const verifiedAt = m?.verified ?? null;
      const deadline = c.openedAt.getTime() + VERIFICATION_WINDOW_MS;
      const pending = !verifiedAt && deadline > scope.now.getTime();
      if (verifiedAt && verifiedAt.getTime() <= deadline) {
        f.window.within++;
        measures.push('verifiedWithin3Days');
      } else if (pending) f.window.pending++;
      if (!pending) measures.push('verificationDue');
    }
    if (m) {
      for (const indicator of INDICATORS) {
        if (indicator !== 'received' && inPeriod(m[indicator], scope)) {
          f.indicators[indicator]++;
          measures.push(indicator);
        }
      }
    }
    if (measures.length) perCase.push({ code: c.code, province: c.province, at: ageReference(c), measures });
  }
  return new Map(cases.map((c) => [c.code, c.province]));
}

function agencyOf(f: Facts, agencyId: string) {
  let a = f.agencies.get(agencyId);
  if (!a) f.agencies.set(agencyId, (a = { slaBreaches: 0, byStep: new Map() }));
  return a;
}

/** SLA breaches: deadlines in the period (and already past) that were not met. */
async function deadlineFacts(db: Database, scope: ReportScope, provinceOf: Map<string, string>, of: (p: string) => Facts) {
  const until = new Date(Math.min(scope.to.getTime(), scope.now.getTime()));
  const due = { gte: scope.from, lt: until };
  const tasks = await db.prisma.task.findMany({
    where: { case: scope.provinces === null ? {} : { province: { in: scope.provinces } }, status: { not: 'cancelled' }, OR: [{ acknowledgeDueAt: due }, { completeDueAt: due }] },
    select: { caseCode: true, agencyId: true, acknowledgeDueAt: true, completeDueAt: true, acknowledgedAt: true, completedAt: true },
  });
  const missed = (deadline: Date, metAt: Date | null) => deadline >= scope.from && deadline < until && (!metAt || metAt > deadline);
  for (const t of tasks) {
    // Completing a task also answers its acknowledgement.
    const breaches = Number(missed(t.acknowledgeDueAt, t.acknowledgedAt ?? t.completedAt)) + Number(missed(t.completeDueAt, t.completedAt));
    if (breaches) agencyOf(of(provinceOf.get(t.caseCode)!), t.agencyId).slaBreaches += breaches;
  }
}

/** Escalations and stage times, from the journey's records. */
async function journeyFacts(db: Database, scope: ReportScope, provinceOf: Map<string, string>, of: (p: string) => Facts) {
  const codes = [...provinceOf.keys()];
  const escalations = await db.prisma.journeyAction.findMany({ where: { caseCode: { in: codes }, action: 'escalated', at: { gte: scope.from, lt: scope.to } }, select: { caseCode: true, taskId: true, detail: true } });
  const taskIds = [...new Set(escalations.map((e) => e.taskId).filter((id): id is string => !!id))];
  const agencyOfTask = new Map((await db.prisma.task.findMany({ where: { id: { in: taskIds } }, select: { id: true, agencyId: true } })).map((t) => [t.id, t.agencyId]));
  for (const e of escalations) {
    const agencyId = (e.taskId && agencyOfTask.get(e.taskId)) || 'unknown';
    const step = Number((e.detail ?? '').split(':')[1]) || 0;
    const byStep = agencyOf(of(provinceOf.get(e.caseCode)!), agencyId).byStep;
    byStep.set(step, (byStep.get(step) ?? 0) + 1);
  }
  // A stage may end after the period's start although it began long before: read the cases' whole records.
  const marks = await db.prisma.journeyAction.findMany({
    where: { caseCode: { in: codes }, action: { in: ['stage-started', 'case-closed'] } },
    select: { caseCode: true, seq: true, at: true, action: true, detail: true },
    orderBy: [{ caseCode: 'asc' }, { seq: 'asc' }],
  });
  for (let i = 0; i < marks.length; i++) {
    const m = marks[i]!;
    const next = marks[i + 1];
    if (m.action !== 'stage-started' || !next || next.caseCode !== m.caseCode || !inPeriod(next.at, scope)) continue;
    const stage = (m.detail ?? 'unknown').split('#')[0]!;
    const hours = of(provinceOf.get(m.caseCode)!).stageHours;
    hours.set(stage, [...(hours.get(stage) ?? []), (next.at.getTime() - m.at.getTime()) / HOUR_MS]);
  }
}

function merge(all: Facts[]): Facts {
  const total = emptyFacts();
  for (const f of all) {
    for (const k of INDICATORS) total.indicators[k] += f.indicators[k];
    total.window.within += f.window.within;
    total.window.pending += f.window.pending;
    total.window.received += f.window.received;
    // An agency belongs to one province, but a transferred case may bring another province's agency along.
    for (const [id, a] of f.agencies) {
      const t = agencyOf(total, id);
      t.slaBreaches += a.slaBreaches;
      for (const [step, n] of a.byStep) t.byStep.set(step, (t.byStep.get(step) ?? 0) + n);
    }
    for (const [stage, hours] of f.stageHours) total.stageHours.set(stage, [...(total.stageHours.get(stage) ?? []), ...hours]);
  }
  return total;
}

function figures(province: string, f: Facts, order: string[]): ProgrammeFigures {
  const rank = (stage: string) => (order.includes(stage) ? order.indexOf(stage) : order.length);
  const due = f.window.received - f.window.pending;
  return {
    province,
    indicators: f.indicators,
    verifiedWithin3Days: { due, within: f.window.within, pending: f.window.pending, share: due ? Math.round((f.window.within / due) * 1000) / 1000 : null },
    agencies: [...f.agencies.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([agencyId, a]) => ({
        agencyId,
        slaBreaches: a.slaBreaches,
        escalations: [...a.byStep.values()].reduce((x, y) => x + y, 0),
        escalationsByStep: Object.fromEntries([...a.byStep.entries()].sort(([x], [y]) => x - y).map(([step, n]) => [String(step), n])),
      })),
    stages: [...f.stageHours.entries()].sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b)).map(([stage, hours]) => ({ stage, count: hours.length, medianHours: round1(median(hours)) })),
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const round1 = (n: number) => Math.round(n * 10) / 10;
