/**
 * Programme indicators per province and period, from the journey's records in the database
 * (never from personal data). Each counts distinct cases, once, at the moment the step happened;
 * a case is counted in the province it belongs to now (after a transfer, the receiving one).
 *
 * - received      the case was opened: the provincial health department was notified and
 *                 received the person. Time: Case.openedAt.
 * - verified, identified, supported, reintegrated: read from the tasks the policy tags with that
 *                 indicator (src/policy/indicators.ts): `verified` when every tagged task of the
 *                 case is done (time: the last completion), the others at the first tagged
 *                 completion (an outcome tag counts only a completion with that outcome).
 *
 * Periods are calendar periods in Vietnam time (UTC+7): `2025`, `2025-Q2`, `2025-06`, or `from`
 * and `to` dates (to exclusive). Used by GET /indicators and the programme report.
 */
import type { Database } from '../db/client';
import { INDICATOR_RULE, indicatorSources, TaskIndicator } from '../policy/indicators';
import type { JourneyPolicy } from '../policy/schema';

export type Indicator = 'received' | TaskIndicator;
export type IndicatorCounts = Record<Indicator, number>;
export const INDICATORS: Indicator[] = ['received', ...TaskIndicator.options];

/** What a report reads: the database and the policy whose tags say what counts. */
export interface ReportSource {
  db: Database;
  policy: JourneyPolicy;
}

/** What each indicator counts, in the words of the policy in force. */
export function indicatorDefinitions(policy: JourneyPolicy): Record<Indicator, string> {
  const sources = indicatorSources(policy.stages);
  const named = (i: TaskIndicator) => sources[i].map((x) => (x.outcome ? `"${x.taskKey}" with outcome "${x.outcome}"` : `"${x.taskKey}"`)).join(', ') || 'no task';
  return {
    received: 'Cases opened in the period: the provincial health department was notified and received the person.',
    verified: `Cases whose initial verification finished in the period: the last of their tasks ${named('verified')} completed, all of them done.`,
    identified: `Cases identified as victims in the period: ${named('identified')} completed.`,
    supported: `Cases whose first support service was delivered in the period: first of ${named('supported')} completed.`,
    reintegrated: `Cases reintegrated in the period: first of ${named('reintegrated')} completed (returned to family and community).`,
  };
}

export const zeroCounts = (): IndicatorCounts => ({ received: 0, verified: 0, identified: 0, supported: 0, reintegrated: 0 });

/** Start of a Vietnam-time calendar day (UTC+7, no daylight saving). */
export function vnMidnight(day: string): Date {
  return new Date(`${day}T00:00:00+07:00`);
}

export function periodBounds(period: string): [Date, Date] {
  const year = Number(period.slice(0, 4));
  const pad = (n: number) => String(n).padStart(2, '0');
  const bound = (y: number, m: number) => vnMidnight(`${y + Math.floor((m - 1) / 12)}-${pad(((m - 1) % 12) + 1)}-01`);
  if (period.length === 4) return [bound(year, 1), bound(year + 1, 1)];
  if (period[5] === 'Q') {
    const first = (Number(period[6]) - 1) * 3 + 1;
    return [bound(year, first), bound(year, first + 3)];
  }
  const month = Number(period.slice(5, 7));
  return [bound(year, month), bound(year, month + 1)];
}

interface IndicatorTask {
  caseCode: string;
  key: string;
  status: string;
  completedAt: Date | null;
  outcome: string | null;
}

/** The moments a case counted for each indicator (null: not yet), from its tagged tasks. */
export type CaseMoments = Record<TaskIndicator, Date | null>;

/** Each case's indicator moments, for cases of `provinces` (null: all). */
export async function indicatorMoments(src: ReportSource, provinces: string[] | null): Promise<{ cases: { code: string; province: string; openedAt: Date }[]; moments: Map<string, CaseMoments> }> {
  const { prisma } = src.db;
  const inProvince = provinces === null ? {} : { province: { in: provinces } };
  const cases = await prisma.case.findMany({ where: inProvince, select: { code: true, province: true, openedAt: true } });
  const sources = indicatorSources(src.policy.stages);
  const keys = [...new Set(TaskIndicator.options.flatMap((i) => sources[i].map((x) => x.taskKey)))];
  const tasks = await prisma.task.findMany({
    where: { case: inProvince, key: { in: keys }, status: { not: 'cancelled' } },
    select: { caseCode: true, key: true, status: true, completedAt: true, outcome: true },
  });
  const moments = new Map<string, CaseMoments>();
  for (const [caseCode, list] of groupByCase(tasks)) {
    const m = { verified: null, identified: null, supported: null, reintegrated: null } as CaseMoments;
    for (const indicator of TaskIndicator.options) {
      const tagged = list.filter((t) => sources[indicator].some((x) => x.taskKey === t.key && (x.outcome === undefined || x.outcome === t.outcome)));
      m[indicator] = countedAt(tagged, INDICATOR_RULE[indicator]);
    }
    moments.set(caseCode, m);
  }
  return { cases, moments };
}

/**
 * The moment a person's age is taken at: the case's opening, when the health department was
 * notified. (When cases record the notification time itself, it belongs here.)
 */
export const ageReference = (c: { openedAt: Date }): Date => c.openedAt;

/** A case that counts toward some indicators in the period. */
export interface CaseHit {
  code: string;
  province: string;
  /** When the health department was notified and opened the case: the moment ages are taken at. */
  openedAt: Date;
  indicators: Indicator[];
}

/** The cases that count toward at least one indicator in [from, to), and which. */
export async function indicatorHits(src: ReportSource, provinces: string[] | null, from: Date, to: Date): Promise<CaseHit[]> {
  const { cases, moments } = await indicatorMoments(src, provinces);
  const inPeriod = (d: Date | null | undefined) => !!d && d >= from && d < to;
  const hits: CaseHit[] = [];
  for (const c of cases) {
    const m = moments.get(c.code);
    const indicators = INDICATORS.filter((i) => inPeriod(i === 'received' ? c.openedAt : m?.[i]));
    if (indicators.length) hits.push({ code: c.code, province: c.province, openedAt: c.openedAt, indicators });
  }
  return hits;
}

/** Distinct cases per province for each indicator; `provinces` null means all. */
export async function computeIndicators(src: ReportSource, provinces: string[] | null, from: Date, to: Date): Promise<Map<string, IndicatorCounts>> {
  return countByProvince(await indicatorHits(src, provinces, from, to));
}

export function countByProvince(hits: readonly CaseHit[]): Map<string, IndicatorCounts> {
  const result = new Map<string, IndicatorCounts>();
  for (const h of hits) {
    const row = result.get(h.province) ?? zeroCounts();
    for (const i of h.indicators) row[i]++;
    result.set(h.province, row);
  }
  return result;
}

function groupByCase(tasks: IndicatorTask[]): Map<string, IndicatorTask[]> {
  const byCase = new Map<string, IndicatorTask[]>();
  for (const t of tasks) {
    const list = byCase.get(t.caseCode);
    if (list) list.push(t);
    else byCase.set(t.caseCode, [t]);
  }
  return byCase;
}

/** When a case's tagged tasks make it count, by the indicator's rule; null: not (yet). */
function countedAt(tasks: { status: string; completedAt: Date | null }[], rule: 'all' | 'first'): Date | null {
  const done = tasks.filter((t) => t.status === 'done' && t.completedAt).map((t) => t.completedAt!.getTime());
  if (done.length === 0 || (rule === 'all' && done.length < tasks.length)) return null;
  return new Date(rule === 'all' ? Math.max(...done) : Math.min(...done));
}
