/**
 * The programme report as CSV (one measure a row, for spreadsheets) and as an HTML email in
 * Vietnamese or English. Counts and agency ids only: the report holds no personal data.
 */
import { escapeHtml } from '../html';
import { PROVINCES } from '../domain/provinces';
import type { Indicator } from './indicators';
import { PROGRAMME_MEASURES, type ProgrammeFigures, type ProgrammeMeasure, type ProgrammeReport } from './programme';

export type ReportLanguage = 'vi' | 'en';

const LABELS: Record<Indicator | 'title' | 'period' | 'within' | 'agency' | 'breaches' | 'escalations' | 'byStep' | 'stage' | 'median' | 'count' | 'none' | 'pending' | 'total' | 'attached', Record<ReportLanguage, string>> = {
  title: { vi: 'Báo cáo chương trình', en: 'Programme report' },
  period: { vi: 'Kỳ báo cáo (giờ Việt Nam)', en: 'Period (Vietnam time)' },
  received: { vi: 'Tiếp nhận', en: 'Received' },
  verified: { vi: 'Đã xác minh', en: 'Verified' },
  identified: { vi: 'Xác định là nạn nhân', en: 'Identified' },
  supported: { vi: 'Được hỗ trợ', en: 'Supported' },
  reintegrated: { vi: 'Tái hòa nhập', en: 'Reintegrated' },
  within: { vi: 'Xác minh trong 3 ngày kể từ khi nhận tin báo', en: 'Verified within 3 days of notification' },
  pending: { vi: 'chưa hết hạn', en: 'still within their 3 days' },
  agency: { vi: 'Cơ quan', en: 'Agency' },
  breaches: { vi: 'Trễ hạn', en: 'SLA breaches' },
  escalations: { vi: 'Cảnh báo', en: 'Escalations' },
  byStep: { vi: 'theo mức', en: 'by step' },
  stage: { vi: 'Giai đoạn', en: 'Stage' },
  median: { vi: 'Thời gian trung vị (giờ)', en: 'Median time (hours)' },
  count: { vi: 'Số lượt', en: 'Count' },
  none: { vi: 'Không có', en: 'None' },
  total: { vi: 'Toàn quốc', en: 'All provinces' },
  attached: { vi: 'Số liệu chi tiết trong tệp CSV đính kèm.', en: 'The figures are attached as CSV.' },
};

const provinceName = (code: string, lang: ReportLanguage) => (code === 'total' || code === 'national' ? LABELS.total[lang] : (PROVINCES[code as keyof typeof PROVINCES] ?? code));
const day = (iso: string) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Ho_Chi_Minh', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(iso));
/** The period as local days, `to` inclusive (the last day of the period). */
export const periodLabel = (r: ProgrammeReport) => `${day(r.period.from)} – ${day(new Date(Date.parse(r.period.to) - 1).toISOString())}`;

// ---- CSV ----------------------------------------------------------------------------------------

export const CSV_HEADER = ['province', 'measure', 'agency', 'stage', 'step', 'value'] as const;

/** RFC 4180: every row CRLF-terminated, cells quoted when they need it; formula-like cells defused. */
export function reportCsv(r: ProgrammeReport): string {
  const rows: (string | number)[][] = [[...CSV_HEADER]];
  const meta = (measure: string, value: string) => rows.push(['', measure, '', '', '', value]);
  meta('period_from', r.period.from);
  meta('period_to', r.period.to);
  for (const f of [...r.provinces, ...(r.provinces.length > 1 ? [r.total] : [])]) rows.push(...figureRows(f));
  const d = r.disaggregation;
  if (!d) return rows.map((row) => row.map(cell).join(',')).join('\r\n') + '\r\n';
  // Disaggregated: a column per dimension before the value, empty on the other rows.
  const widened = rows.map((row) => [...row.slice(0, -1), ...d.by.map((dim) => (row === rows[0] ? dim : '')), row[row.length - 1]!]);
  const sections = [...d.rows, ...(d.rows.length > 1 ? [{ province: 'total', cells: d.total.cells }] : [])];
  for (const { province, cells } of sections) {
    for (const m of PROGRAMME_MEASURES) {
      for (const c of cells) widened.push([province, CSV_MEASURE[m], '', '', '', ...d.by.map((dim) => c[dim] ?? ''), c[m] ?? 'suppressed']);
    }
  }
  return widened.map((row) => row.map(cell).join(',')).join('\r\n') + '\r\n';
}

/** The CSV's names of the disaggregated measures (as the province rows name them). */
const CSV_MEASURE: Record<ProgrammeMeasure, string> = {
  received: 'received',
  verified: 'verified',
  identified: 'identified',
  supported: 'supported',
  reintegrated: 'reintegrated',
  verifiedWithin3Days: 'verified_within_3_days',
  verificationDue: 'verification_due',
};

function figureRows(f: ProgrammeFigures): (string | number)[][] {
  const p = f.province;
  const w = f.verifiedWithin3Days;
  const rows: (string | number)[][] = Object.entries(f.indicators).map(([k, v]) => [p, k, '', '', '', v]);
  rows.push([p, 'verified_within_3_days', '', '', '', w.within], [p, 'verification_due', '', '', '', w.due], [p, 'verification_pending', '', '', '', w.pending], [p, 'verified_within_3_days_share', '', '', '', w.share ?? '']);
  for (const a of f.agencies) {
    rows.push([p, 'sla_breaches', a.agencyId, '', '', a.slaBreaches], [p, 'escalations', a.agencyId, '', '', a.escalations]);
    for (const [step, n] of Object.entries(a.escalationsByStep)) rows.push([p, 'escalations', a.agencyId, '', step, n]);
  }
  for (const s of f.stages) rows.push([p, 'median_hours', '', s.stage, '', s.medianHours], [p, 'stages_ended', '', s.stage, '', s.count]);
  return rows;
}

function cell(value: string | number): string {
  let text = String(value);
  // A spreadsheet would run a cell starting with these as a formula.
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

// ---- HTML email ---------------------------------------------------------------------------------

export function reportSubject(r: ProgrammeReport, scope: string, lang: ReportLanguage): string {
  return `${LABELS.title[lang]} ${periodLabel(r)} — ${provinceName(scope, lang)}`;
}

export function reportHtml(r: ProgrammeReport, scope: string, lang: ReportLanguage): string {
  const sections = [...r.provinces, ...(r.provinces.length > 1 ? [r.total] : [])].map((f) => figuresHtml(f, lang)).join('\n');
  return [
    '<div style="font-family:sans-serif">',
    `<h1>${escapeHtml(reportSubject(r, scope, lang))}</h1>`,
    `<p>${escapeHtml(LABELS.period[lang])}: ${escapeHtml(periodLabel(r))}</p>`,
    sections,
    `<p>${escapeHtml(LABELS.attached[lang])}</p>`,
    '</div>',
  ].join('\n');
}

/** The plain-text part: the headline counts of each section. */
export function reportText(r: ProgrammeReport, scope: string, lang: ReportLanguage): string {
  const lines = [reportSubject(r, scope, lang), ''];
  for (const f of [...r.provinces, ...(r.provinces.length > 1 ? [r.total] : [])]) {
    lines.push(`${provinceName(f.province, lang)}: ${Object.entries(f.indicators).map(([k, v]) => `${LABELS[k as Indicator][lang]} ${v}`).join(', ')}`);
    lines.push(`  ${LABELS.within[lang]}: ${withinText(f, lang)}`);
  }
  lines.push('', LABELS.attached[lang]);
  return lines.join('\n');
}

const withinText = (f: ProgrammeFigures, lang: ReportLanguage) => {
  const w = f.verifiedWithin3Days;
  const share = w.share === null ? '–' : `${Math.round(w.share * 100)}%`;
  return `${w.within}/${w.due} (${share})${w.pending ? `, ${w.pending} ${LABELS.pending[lang]}` : ''}`;
};

const table = (head: string[], rows: (string | number)[][]) =>
  `<table border="1" cellpadding="4" style="border-collapse:collapse"><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(String(c))}</td>`).join('')}</tr>`)
    .join('')}</table>`;

function figuresHtml(f: ProgrammeFigures, lang: ReportLanguage): string {
  const L = (k: keyof typeof LABELS) => LABELS[k][lang];
  const indicators = table(Object.keys(f.indicators).map((k) => L(k as Indicator)), [Object.values(f.indicators)]);
  const agencies = f.agencies.length
    ? table([L('agency'), L('breaches'), L('escalations'), `${L('escalations')} ${L('byStep')}`], f.agencies.map((a) => [a.agencyId, a.slaBreaches, a.escalations, Object.entries(a.escalationsByStep).map(([s, n]) => `${s}: ${n}`).join(', ')]))
    : `<p>${escapeHtml(`${L('breaches')} / ${L('escalations')}: ${L('none')}`)}</p>`;
  const stages = f.stages.length ? table([L('stage'), L('median'), L('count')], f.stages.map((s) => [s.stage, s.medianHours, s.count])) : '';
  return [`<h2>${escapeHtml(provinceName(f.province, lang))}</h2>`, indicators, `<p>${escapeHtml(`${L('within')}: ${withinText(f, lang)}`)}</p>`, agencies, stages].join('\n');
}
