/**
 * GET /reports/programme: the programme report (src/reports/programme.ts) for a period and a
 * province, as JSON, or as CSV with `format=csv` or `Accept: text/csv`. A provincial manager
 * reports on their province; a national manager on one province, or on all of them (one section
 * each and the total). Counts only; every read is audited.
 */
import { z } from 'zod';
import { provincesOf } from '../../auth/matrix';
import { ProvinceCode } from '../../domain/provinces';
import { ByQuery, disaggregationSchema, restrictTo, wholeMonths } from '../../reports/disaggregation';
import { vnMidnight } from '../../reports/indicators';
import { programmeReport, PROGRAMME_MEASURES } from '../../reports/programme';
import { reportCsv } from '../../reports/render';
import { audit, type ApiContext } from '../context';
import { Problem } from '../problems';

const Day = z.iso.date('a date such as "2025-01-01"');
const MAX_DAYS = 366;

const ReportQuery = z
  .strictObject({
    from: Day.describe('First day, Vietnam time'),
    to: Day.describe('Day after the last one (exclusive), Vietnam time'),
    province: ProvinceCode.optional().describe('Default: your province; for a national manager every province, and the total'),
    format: z.enum(['json', 'csv']).optional().describe('Default: JSON, or CSV when Accept asks for text/csv'),
    by: ByQuery.optional(),
  })
  .superRefine((v, c) => {
    if (v.from >= v.to) c.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
    else if (vnMidnight(v.to).getTime() - vnMidnight(v.from).getTime() > MAX_DAYS * 86_400_000) c.addIssue({ code: 'custom', path: ['to'], message: `at most ${MAX_DAYS} days after from` });
    if (v.by && !wholeMonths(v.from, v.to)) c.addIssue({ code: 'custom', path: ['by'], message: 'with by, the period is whole calendar months: from and to on the 1st of a month' });
  });

const Counts = z.object({ received: z.number().int(), verified: z.number().int(), identified: z.number().int(), supported: z.number().int(), reintegrated: z.number().int() });
const Figures = z.object({
  province: z.string().describe('A province code, or "total"'),
  indicators: Counts,
  verifiedWithin3Days: z.object({ due: z.number().int(), within: z.number().int(), pending: z.number().int(), share: z.number().nullable() }),
  agencies: z.array(z.object({ agencyId: z.string(), slaBreaches: z.number().int(), escalations: z.number().int(), escalationsByStep: z.record(z.string(), z.number().int()) })),
  stages: z.array(z.object({ stage: z.string(), count: z.number().int(), medianHours: z.number() })),
});
const ProgrammeReportBody = z.object({
  period: z.object({ from: z.string(), to: z.string(), timeZone: z.literal('Asia/Ho_Chi_Minh') }),
  generatedAt: z.string(),
  provinces: z.array(Figures),
  total: Figures,
  disaggregation: disaggregationSchema(PROGRAMME_MEASURES).optional(),
});

const DESCRIPTION = [
  'Counts only, for the period [from, to) in Vietnam time:',
  '- **indicators**: received, verified, identified, supported, reintegrated (as `GET /indicators`);',
  '- **verifiedWithin3Days**: of the cases received in the period, those verified within 3 days of the notification (Law 53/2024 Art. 27); `pending` are not verified and still within their 3 days, and are left out of `share` = within / due;',
  '- **agencies**: SLA breaches (a task deadline in the period that was not met, per task and deadline) and escalations per ladder step, under the agency holding the task;',
  '- **stages**: the median time in hours of the stages that ended in the period.',
  '- **disaggregation** (with `by=sex,ageGroup,childOrAdult`, any of them): the indicators, `verifiedWithin3Days` and `verificationDue` per combination of the dimensions, counted and suppressed as in `GET /indicators` (null: suppressed; whole calendar months only); audited as `personal-data.aggregate-read`.',
  'CSV: one measure a row (`province,measure,agency,stage,step,value`); with `by`, a column per dimension before `value`, and `suppressed` for a suppressed cell.',
].join('\n');

export function reportRoutes(ctx: ApiContext) {
  ctx.routes.add(
    {
      method: 'GET',
      url: '/reports/programme',
      operationId: 'programmeReport',
      tag: 'Reporting',
      summary: 'Programme report: indicators, verification within 3 days, SLA breaches and escalations per agency, median time per stage',
      description: DESCRIPTION,
      access: 'report.read',
      query: ReportQuery,
      responses: { 200: { description: 'The report (JSON, or CSV)', schema: ProgrammeReportBody, alternatives: ['text/csv'] } },
    },
    async ({ query, principal, request, reply }) => {
      const allowed = provincesOf(principal, 'report.read');
      if (query.province && allowed !== null && !allowed.includes(query.province)) {
        await audit(ctx, request, { action: 'access.denied', outcome: 'denied', detail: { permission: 'report.read', province: query.province } });
        throw new Problem(403, 'forbidden', `you may report on ${allowed.join(', ') || 'no province'} only`);
      }
      const provinces = query.province ? [query.province] : allowed;
      const csv = query.format === 'csv' || (query.format === undefined && prefersCsv(request.headers.accept));
      const detail = { report: 'programme', from: query.from, to: query.to, province: query.province ?? (provinces === null ? 'all' : provinces.join(',')), format: csv ? 'csv' : 'json' };
      // One province of a wider scope: its part of the scope's table, suppressed alike (asking for it alone gives nothing more).
      const narrowed = query.province !== undefined && !(allowed !== null && allowed.length === 1);
      // Recorded before the figures are read; with `by`, as an aggregate read of personal data (of which provinces).
      const personalDataOf = narrowed ? (allowed === null ? 'all' : allowed.join(',')) : detail.province;
      await audit(ctx, request, query.by ? { action: 'personal-data.aggregate-read', outcome: 'ok', target: 'programme-report', detail: { ...detail, by: query.by, personalDataOf } } : { action: 'report.read', outcome: 'ok', detail });
      const source = { db: ctx.db, policy: ctx.policy, personalData: ctx.personalData, ...(ctx.reporting ? { minCellSize: ctx.reporting.minCellSize } : {}) };
      const scope = { provinces, from: vnMidnight(query.from), to: vnMidnight(query.to), now: ctx.now(), always: provinces ?? [] };
      let report = await programmeReport(source, { ...scope, ...(query.by && !narrowed ? { by: query.by } : {}) });
      if (query.by && narrowed) {
        const wide = await programmeReport(source, { ...scope, provinces: allowed, always: allowed ?? [], by: query.by });
        report = { ...report, disaggregation: restrictTo(wide.disaggregation!, query.province!, PROGRAMME_MEASURES) };
      }
      if (!csv) return report;
      const name = `programme-report-${query.province ?? (provinces === null ? 'national' : provinces.join('-'))}-${query.from}_${query.to}.csv`;
      return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}"`).send(reportCsv(report));
    },
  );
}

/** text/csv asked for, and not after JSON. */
function prefersCsv(accept: string | undefined): boolean {
  const types = (accept ?? '').split(',').map((t) => t.split(';')[0]!.trim().toLowerCase());
  const csv = types.indexOf('text/csv');
  const json = types.indexOf('application/json');
  return csv !== -1 && (json === -1 || csv < json);
}
