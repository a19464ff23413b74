/**
 * GET /indicators: the programme indicators per province and period. How they are counted:
 * src/reports/indicators.ts.
 */
import { z } from 'zod';
import { provincesOf } from '../../auth/matrix';
import type { Principal } from '../../auth/principal';
import { ProvinceCode } from '../../domain/provinces';
import { computeIndicators, indicatorDefinitions, INDICATORS, periodBounds, vnMidnight, zeroCounts as zero, type Indicator, type IndicatorCounts } from '../../reports/indicators';
import type { ApiContext } from '../context';
import { Problem } from '../problems';

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

// The existing tests and callers read these from here.
export { computeIndicators, indicatorDefinitions, periodBounds };
export type { Indicator, IndicatorCounts };
