/**
 * GET /indicators: the programme indicators per province and period. How they are counted:
 * src/reports/indicators.ts.
 */
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { provincesOf } from '../../auth/matrix';
import type { Principal } from '../../auth/principal';
import { ProvinceCode } from '../../domain/provinces';
import { ByQuery, DEFAULT_MIN_CELL_SIZE, disaggregatedIndicators, disaggregationSchema, restrictTo, wholeMonths, type Dimension } from '../../reports/disaggregation';
import { computeIndicators, countByProvince, indicatorDefinitions, indicatorHits, INDICATORS, periodBounds, vnMidnight, zeroCounts as zero, type CaseHit, type Indicator, type IndicatorCounts } from '../../reports/indicators';
import { audit, type ApiContext } from '../context';
import { Problem } from '../problems';

const Period = z.string().regex(/^\d{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?$/, 'a year ("2025"), quarter ("2025-Q2") or month ("2025-06")');
const Day = z.iso.date('a date such as "2025-01-01"');

const IndicatorQuery = z
  .strictObject({
    province: ProvinceCode.optional().describe('Default: every province in your scope, one row each'),
    period: Period.optional(),
    from: Day.optional(),
    to: Day.optional().describe('Exclusive'),
    by: ByQuery.optional(),
  })
  .superRefine((v, c) => {
    if (v.period && (v.from || v.to)) c.addIssue({ code: 'custom', path: ['period'], message: 'give either period, or from and to' });
    if (!v.period && !(v.from && v.to)) c.addIssue({ code: 'custom', path: [v.from ? 'to' : 'from'], message: 'give a period, or both from and to' });
    if (v.from && v.to && v.from >= v.to) c.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
    if (v.by && v.from && v.to && !wholeMonths(v.from, v.to)) c.addIssue({ code: 'custom', path: ['by'], message: 'with by, the period is whole calendar months: from and to on the 1st of a month, or a period' });
  });

const Counts = z.object({ received: z.number().int(), verified: z.number().int(), identified: z.number().int(), supported: z.number().int(), reintegrated: z.number().int() });
const IndicatorReport = z.object({
  period: z.object({ from: z.string(), to: z.string(), timeZone: z.literal('Asia/Ho_Chi_Minh') }),
  rows: z.array(Counts.extend({ province: z.string() })),
  total: Counts,
  definitions: z.object({ received: z.string(), verified: z.string(), identified: z.string(), supported: z.string(), reintegrated: z.string() }),
  disaggregation: disaggregationSchema(INDICATORS).optional(),
});

const DISAGGREGATION = [
  '',
  '**Disaggregation** (`by=sex,ageGroup,childOrAdult`, any of them): the counts of each indicator per combination of the dimensions, per province and in total.',
  '- **sex**: female, male, other, unknown; **ageGroup**: 0-11, 12-15, 16-17, 18-24, 25-39, 40-59, 60+, unknown; **childOrAdult**: child (under 18), adult, unknown.',
  '- Age at the opening of the case (when the health department was notified), not today. No personal data on file, or no date of birth: unknown (a person recorded with the vulnerability "child" is a child of unknown age group).',
  '- A cell of fewer than `minCellSize` cases (but not 0) is `null` (suppressed); so is, wherever one suppressed cell could be recomputed from a published sum (a province\'s count, the total, a table of fewer dimensions), the smallest other cell of that sum. A national caller asking one province gets its part of the national table.',
  '- With `by`, the period is whole calendar months (a `period`, or `from` and `to` on the 1st of a month).',
  '- The personal data is decrypted in memory; only counts leave. Each read is audited as `personal-data.aggregate-read` (who, provinces, period, dimensions, and `personalDataOf`: the provinces whose records were decrypted).',
].join('\n');

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
      description: Object.entries(definitions).map(([k, v]) => `- **${k}**: ${v}`).join('\n') + '\n' + DISAGGREGATION,
      access: 'indicators.read',
      query: IndicatorQuery,
      responses: { 200: { description: 'Counts of distinct cases', schema: IndicatorReport } },
    },
    async ({ query, principal, request }) => {
      const provinces = await reportProvinces(ctx, request, principal, query.province);
      const [from, to] = query.period ? periodBounds(query.period) : [vnMidnight(query.from!), vnMidnight(query.to!)];
      const scopeProvinces = provincesOf(principal, 'indicators.read');
      const listed = (p: string[] | null) => (p === null ? 'all' : p.join(','));
      const scope = { period: query.period ?? `${query.from}/${query.to}`, province: query.province ?? listed(provinces) };
      // One province of a wider scope is disaggregated as part of the scope's table (below): its personal data is read too.
      const narrowed = query.province !== undefined && !(scopeProvinces !== null && scopeProvinces.length === 1);
      // Who read which figures; with `by`, an aggregate read of personal data (of which provinces), recorded before it happens.
      await audit(ctx, request, query.by ? { action: 'personal-data.aggregate-read', outcome: 'ok', target: 'indicators', detail: { ...scope, by: query.by, personalDataOf: narrowed ? listed(scopeProvinces) : scope.province } } : { action: 'indicators.read', outcome: 'ok', detail: scope });
      const hits = await indicatorHits(ctx, provinces, from, to);
      const counts = countByProvince(hits);
      const rows = [...counts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([province, c]) => ({ province, ...c }));
      if (query.province && rows.length === 0) rows.push({ province: query.province, ...zero() });
      const total = zero();
      for (const r of rows) for (const k of INDICATORS) total[k] += r[k];
      const report = { period: { from: from.toISOString(), to: to.toISOString(), timeZone: 'Asia/Ho_Chi_Minh' as const }, rows, total, definitions };
      if (!query.by) return report;
      if (!narrowed || !query.province) return { ...report, disaggregation: await disaggregated(ctx, hits, query.by, rows.map((r) => r.province)) };
      // One province of a wider scope: its part of the scope's table, suppressed alike (asking for it alone gives nothing more).
      const wide = await indicatorHits(ctx, scopeProvinces, from, to);
      const table = await disaggregated(ctx, wide, query.by, [...new Set([...wide.map((h) => h.province), query.province])].sort());
      return { ...report, disaggregation: restrictTo(table, query.province, INDICATORS) };
    },
  );
}

async function disaggregated(ctx: ApiContext, cases: CaseHit[], by: Dimension[], provinces: string[]) {
  const { table, undecryptable } = await disaggregatedIndicators(ctx.personalData, cases, { by, provinces, minCellSize: ctx.reporting?.minCellSize ?? DEFAULT_MIN_CELL_SIZE });
  // A count only: which cases, never.
  if (undecryptable) ctx.logger.warn({ undecryptable }, 'personal data records that do not decrypt were counted as unknown');
  return table;
}

/** The asked province, if in the caller's scope; else every province of the scope (null: all). */
async function reportProvinces(ctx: ApiContext, request: FastifyRequest, principal: Principal, province: string | undefined): Promise<string[] | null> {
  const allowed = provincesOf(principal, 'indicators.read');
  if (province && allowed !== null && !allowed.includes(province)) {
    await audit(ctx, request, { action: 'access.denied', outcome: 'denied', detail: { permission: 'indicators.read', province } });
    throw new Problem(403, 'forbidden', `you may report on ${allowed.join(', ') || 'no province'} only`);
  }
  return province ? [province] : allowed;
}

// The existing tests and callers read these from here.
export { computeIndicators, indicatorDefinitions, periodBounds };
export type { Indicator, IndicatorCounts };
