/**
 * A provider's delivery report for one SMS, applied to its Notification row. Callbacks may come
 * twice, late or out of order: a status never goes back (queued < sent < delivered/undelivered/failed),
 * and a row's provider id, once known, must match.
 */
import type { Database } from '../db/client';
import { undeliveredReason } from '../transports/sms';

/** Where the provider posts delivery reports (src/api/routes/webhooks.ts); the notification key rides in `?n=`. */
export const SMS_STATUS_PATH = '/webhooks/sms-status';

export interface SmsStatusReport {
  /** The notification key from the callback URL (`?n=`), when present. */
  notificationId?: string;
  sid: string;
  status: string;
  errorCode?: number;
}

export interface AppliedStatus {
  /** The row the report was about; undefined when no row matches (nothing changed). */
  notification?: { id: string; taskId: string; phase: string | null; level: number; channel: string; recipientId: string; workflowId: string };
  changed: boolean;
  /**
   * This report turned the row into a failed one: the workflow should fall back. False for a
   * repeated report, so a replayed callback never signals the journey again (a caller that could
   * not tell the journey undoes the change with `undoSmsStatus`, so the provider's retry does).
   */
  failed: boolean;
  reason?: string;
  /** The row as it was before this report changed it (for `undoSmsStatus`). */
  before?: Pick<Row, 'status' | 'providerStatus' | 'error' | 'errorCode' | 'sentAt' | 'deliveredAt' | 'updatedAt'>;
  /** The row's status fields as this report left them. */
  after?: { status: string; providerStatus: string };
}

type Row = NonNullable<Awaited<ReturnType<Database['prisma']['notification']['findUnique']>>>;

const RANK: Record<string, number> = { accepted: 1, queued: 1, sending: 1, sent: 2, delivered: 3, undelivered: 3, failed: 3 };
const FINAL = new Set(['delivered', 'undelivered', 'failed']);

export async function applySmsStatus(db: Database, report: SmsStatusReport): Promise<AppliedStatus> {
  const { prisma } = db;
  for (let tries = 0; tries < 5; tries++) {
    const row = report.notificationId
      ? await prisma.notification.findUnique({ where: { id: report.notificationId }, include: { task: { include: { case: true } } } })
      : await prisma.notification.findFirst({ where: { providerId: report.sid }, include: { task: { include: { case: true } } } });
    if (!row || row.channel !== 'sms' || (row.providerId !== null && row.providerId !== report.sid)) return { changed: false, failed: false };
    const notification = { id: row.id, taskId: row.taskId, phase: row.phase, level: row.level, channel: row.channel, recipientId: row.recipientId, workflowId: row.task.case.workflowId };

    const failed = report.status === 'undelivered' || report.status === 'failed';
    const reason = failed ? undeliveredReason(report.status, report.errorCode) : undefined;
    const current = row.providerStatus ?? '';
    if (FINAL.has(current) || (RANK[report.status] ?? 0) < (RANK[current] ?? 0)) {
      return { notification, changed: false, failed: false, reason };
    }

    const now = new Date();
    const status = failed ? 'failed' : report.status === 'delivered' ? 'delivered' : row.status === 'sending' || row.status === 'pending' ? 'sent' : row.status;
    // Compare-and-set on what was read: two callbacks racing cannot both apply.
    const { count } = await prisma.notification.updateMany({
      where: { id: row.id, status: row.status, providerStatus: row.providerStatus },
      data: {
        status,
        providerId: report.sid,
        providerStatus: report.status,
        updatedAt: now,
        ...(row.sentAt === null && status !== 'failed' ? { sentAt: now } : {}),
        ...(report.status === 'delivered' ? { deliveredAt: now } : {}),
        ...(failed ? { error: `${reason}: ${report.status}${report.errorCode ? ` (${report.errorCode})` : ''}`, errorCode: report.errorCode ? String(report.errorCode) : null } : {}),
      },
    });
    if (count === 1) {
      const { error, errorCode, sentAt, deliveredAt, updatedAt } = row;
      const before = { status: row.status, providerStatus: row.providerStatus, error, errorCode, sentAt, deliveredAt, updatedAt };
      return { notification, changed: true, failed, reason, before, after: { status, providerStatus: report.status } };
    }
  }
  throw new Error(`SMS status for ${report.sid} kept racing with other updates`);
}

/** Puts a row back as it was before `applied` (if nothing changed it since), so the report can be applied again. */
export async function undoSmsStatus(db: Database, applied: AppliedStatus): Promise<void> {
  if (!applied.changed || !applied.notification || !applied.before || !applied.after) return;
  await db.prisma.notification.updateMany({ where: { id: applied.notification.id, ...applied.after }, data: applied.before });
}
