/**
 * The programme report by email: each province's managers (from the directory) get their
 * province's report, the national managers (PROGRAMME_REPORT_NATIONAL: staff ids) the report of
 * every province with the total; HTML with the figures as a CSV attachment.
 *
 * The period is the `days` whole Vietnam-time days before the run's day, so every run of the
 * same day covers the same period. Each email is keyed by scope, period and manager in the
 * outbox (table DigestDelivery), so a retried activity or a second run sends nothing twice.
 */
import type { Database } from '../db/client';
import { emailMessage } from '../notifications/channels';
import { localDay } from '../notifications/digest';
import { digestEntry, recorded, sendOnce } from '../notifications/outbox';
import { digestAudiences } from '../notifications/recipients';
import type { JourneyPolicy } from '../policy/schema';
import type { Mailer } from '../transports/email';
import { vnMidnight } from './indicators';
import { programmeReport, type ProgrammeReport } from './programme';
import { reportCsv, reportHtml, reportSubject, reportText, type ReportLanguage } from './render';

export interface ReportMailDeps {
  db: Database;
  mailer: Mailer;
  mailFrom?: string;
  policy: JourneyPolicy;
  /** Staff ids of the managers who get the national report (instead of a province's). */
  nationalRecipients?: readonly string[];
}

export interface ReportMailInput {
  /** The run's time (the workflow's clock), ISO. */
  until: string;
  /** How many whole days before `until`'s local day the report covers. */
  days: number;
}

export interface ReportMailResult {
  period: { from: string; to: string };
  sent: number;
  alreadySent: number;
  refused: { recipientId: string; reason: string }[];
  /** Each report and how many managers it went to: "national" or a province code. */
  reports: { scope: string; recipients: number }[];
}

const DAY_MS = 86_400_000;

interface Recipient {
  id: string;
  email: string;
  language: string;
}

export async function sendProgrammeReports(deps: ReportMailDeps, input: ReportMailInput): Promise<ReportMailResult> {
  const now = new Date(input.until);
  const to = vnMidnight(localDay(now));
  const from = new Date(to.getTime() - input.days * DAY_MS);
  const result: ReportMailResult = { period: { from: from.toISOString(), to: to.toISOString() }, sent: 0, alreadySent: 0, refused: [], reports: [] };
  const national = new Set(deps.nationalRecipients ?? []);
  const source = { db: deps.db, policy: deps.policy };

  for (const { province, managers } of await digestAudiences(deps.db)) {
    const recipients = managers.filter((m) => !national.has(m.id));
    if (!recipients.length) continue;
    const report = await programmeReport(source, { provinces: [province], from, to, now, always: [province] });
    await sendTo(deps, result, province, report, recipients);
  }
  if (national.size) {
    const managers = await deps.db.prisma.staffMember.findMany({ where: { id: { in: [...national] }, role: 'manager', active: true, email: { not: null } }, orderBy: { id: 'asc' } });
    const report = await programmeReport(source, { provinces: null, from, to, now });
    await sendTo(deps, result, 'national', report, managers as Recipient[]);
  }
  return result;
}

async function sendTo(deps: ReportMailDeps, result: ReportMailResult, scope: string, report: ProgrammeReport, recipients: Recipient[]) {
  result.reports.push({ scope, recipients: recipients.length });
  const days = `${localDay(new Date(report.period.from))}/${localDay(new Date(report.period.to))}`;
  const csv = reportCsv(report);
  for (const manager of recipients) {
    const id = `programme-report:${scope}:${days}:${manager.id}`;
    const entry = digestEntry(deps.db.prisma, id, { province: scope, day: days, recipientId: manager.id });
    const { row, final } = await recorded(entry);
    // Only a sent report is final: a refused one is tried again on a rerun, in case the mailbox works now.
    if (final?.kind === 'already') {
      result.alreadySent++;
      continue;
    }
    const lang: ReportLanguage = manager.language === 'en' ? 'en' : 'vi';
    const email = {
      subject: reportSubject(report, scope, lang),
      text: reportText(report, scope, lang),
      html: reportHtml(report, scope, lang),
      attachments: [{ filename: `programme-report-${scope}-${days.replace('/', '_')}.csv`, content: csv, contentType: 'text/csv; charset=utf-8' }],
    };
    const outcome = await sendOnce(entry, row, emailMessage(deps.mailer, deps.mailFrom, id, manager.email, email));
    if (outcome.kind === 'sent') result.sent++;
    if (outcome.kind === 'failed') result.refused.push({ recipientId: manager.id, reason: outcome.detail });
  }
}
