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
 * and `to` dates (to exclusive).
 */
import { z } from 'zod';
import { provincesOf } from '../../auth/matrix';
import type { Principal } from '../../auth/principal';
import { ProvinceCode } from '../../domain/provinces';
import { INDICATOR_RULE, indicatorSources, TaskIndicator } from '../../policy/indicators';
import type { JourneyPolicy } from '../../policy/schema';
import type { ApiContext } from '../context';
import { Problem } from '../problems';

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

const Period = z.string().regex(/^\d{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?$/, 'a year ("2025"), quarter ("2025-Q2") or month ("2025-06")');
const Day = z.iso.date('a date such as "2025-01-01"');

const IndicatorQuery = z
  .strictObject({
    province: ProvinceCode.optional().describe('Default: every province in your scope, one row each'),
    period: Period.optional(),
    from: Day.optional(),
    to: Day.optional().describe('Exclusive'),
  })
  .superRefine((v, c) => {
    if (v.period && (v.from || v.to)) c.addIssue({ code: 'custom', path: ['period'], message: 'give either period, or from and to' });
    if (!v.period && !(v.from && v.to)) c.addIssue({ code: 'custom', path: [v.from ? 'to' : 'from'], message: 'give a period, or both from and to' });
    if (v.from && v.to && v.from >= v.to) c.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
  });

const Counts = z.object({ received: z.number().int(), verified: z.number().int(), identified: z.number().int(), supported: z.number().int(), reintegrated: z.number().int() });
const IndicatorReport = z.object({
  period: z.object({ from: z.string(), to: z.string(), timeZone: z.literal('Asia/Ho_Chi_Minh') }),
  rows: z.array(Counts.extend({ province: z.string() })),
  total: Counts,
  definitions: z.object({ received: z.string(), verified: z.string(), identified: z.string(), supported: z.string(), reintegrated: z.string() }),
});

type Indicator = 'received' | TaskIndicator;
type IndicatorCounts = Record<Indicator, number>;
const INDICATORS: Indicator[] = ['received', ...TaskIndicator.options];

export function indicatorRoutes(ctx: ApiContext) {
  programmeIndicators(ctx);
}

function programmeIndicators(ctx: ApiContext) {
  const definitions = indicatorDefinitions(ctx.policy);
  ctx.routes.add(
    {
      method: 'GET',
      url: '/indicators',
      operationId: 'programmeIndicators',
      tag: 'Reporting',
      summary: 'Programme indicators (received, verified, identified, supported, reintegrated) per province and period',
      description: Object.entries(definitions).map(([k, v]) => `- **${k}**: ${v}`).join('\n'),
      access: 'indicators.read',
      query: IndicatorQuery,
      responses: { 200: { description: 'Counts of distinct cases', schema: IndicatorReport } },
    },
    async ({ query, principal }) => {
      const provinces = reportProvinces(principal, query.province);
      const [from, to] = query.period ? periodBounds(query.period) : [vnMidnight(query.from!), vnMidnight(query.to!)];
      const counts = await computeIndicators(ctx, provinces, from, to);
      const rows = [...counts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([province, c]) => ({ province, ...c }));
      if (query.province && rows.length === 0) rows.push({ province: query.province, ...zero() });
      const total = zero();
      for (const r of rows) for (const k of INDICATORS) total[k] += r[k];
      return { period: { from: from.toISOString(), to: to.toISOString(), timeZone: 'Asia/Ho_Chi_Minh' as const }, rows, total, definitions };
    },
  );
}

/** The asked province, if in the caller's scope; else every province of the scope (null: all). */
function reportProvinces(principal: Principal, province: string | undefined): string[] | null {
  const allowed = provincesOf(principal, 'indicators.read');
  if (province && allowed !== null && !allowed.includes(province)) {
    throw new Problem(403, 'forbidden', `you may report on ${allowed.join(', ') || 'no province'} only`);
  }
  return province ? [province] : allowed;
}

const zero = (): IndicatorCounts => ({ received: 0, verified: 0, identified: 0, supported: 0, reintegrated: 0 });

/** Start of a Vietnam-time calendar day (UTC+7, no daylight saving). */
function vnMidnight(day: string): Date {
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

/** Distinct cases per province for each indicator; `provinces` null means all. */
export async function computeIndicators(ctx: ApiContext, provinces: string[] | null, from: Date, to: Date): Promise<Map<string, IndicatorCounts>> {
  const { prisma } = ctx.db;
  const inProvince = provinces === null ? {} : { province: { in: provinces } };
  const cases = await prisma.case.findMany({ where: inProvince, select: { code: true, province: true, openedAt: true } });
  const tally = new Tally(new Map(cases.map((c) => [c.code, c.province])), from, to);
  for (const c of cases) if (tally.inPeriod(c.openedAt)) tally.hit(c.code, 'received');
  const sources = indicatorSources(ctx.policy.stages);
  const keys = [...new Set(TaskIndicator.options.flatMap((i) => sources[i].map((x) => x.taskKey)))];
  const tasks = await prisma.task.findMany({
    where: { case: inProvince, key: { in: keys }, status: { not: 'cancelled' } },
    select: { caseCode: true, key: true, status: true, completedAt: true, outcome: true },
  });
  for (const [caseCode, list] of groupByCase(tasks)) {
    for (const indicator of TaskIndicator.options) {
      const tagged = list.filter((t) => sources[indicator].some((x) => x.taskKey === t.key && (x.outcome === undefined || x.outcome === t.outcome)));
      if (tally.inPeriod(countedAt(tagged, INDICATOR_RULE[indicator]))) tally.hit(caseCode, indicator);
    }
  }
  return tally.result;
}

/** Counts per province of the case, for steps that happened in [from, to). */
class Tally {
  readonly result = new Map<string, IndicatorCounts>();

  constructor(
    private readonly provinceOf: Map<string, string>,
    private readonly from: Date,
    private readonly to: Date,
  ) {}

  inPeriod(d: Date | null | undefined): boolean {
    return !!d && d >= this.from && d < this.to;
  }

  hit(caseCode: string, indicator: Indicator): void {
    const province = this.provinceOf.get(caseCode);
    if (!province) return;
    const row = this.result.get(province) ?? zero();
    row[indicator]++;
    this.result.set(province, row);
  }
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
