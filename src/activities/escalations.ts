/**
 * Sends one ladder step: finds who it reaches, writes to each in their language, and keeps a
 * log entry per message so a retried activity never sends the same message twice.
 */
import type { Database, StaffMember } from '../db/client';
import { Language, renderMessage } from '../policy/messages';
import type { Channel, EscalationStep, RecipientRole } from '../policy/schema';
import type { Mailer } from '../transports/email';
import type { EscalationPhase, TaskState } from '../workflows/definitions';

export interface EscalationNotice {
  caseCode: string;
  task: TaskState;
  phase: EscalationPhase;
  level: number;
  step: EscalationStep;
}

export interface EscalationReport {
  sent: number;
  alreadySent: number;
  failed: { recipientId: string; channel: Channel; reason: string }[];
}

interface Deps {
  db: Database;
  mailer: Mailer;
  publicBaseUrl: string;
}

export function escalationActivities({ db, mailer, publicBaseUrl }: Deps) {
  const { prisma } = db;

  async function recipients(notice: EscalationNotice): Promise<StaffMember[]> {
    const { task } = notice;
    const theCase = await prisma.case.findUniqueOrThrow({ where: { code: notice.caseCode } });
    const assignee = task.assigneeId ? await prisma.staffMember.findUnique({ where: { id: task.assigneeId } }) : null;
    const byRole = (agencyId: string, role: string) => prisma.staffMember.findMany({ where: { agencyId, role, active: true }, orderBy: { id: 'asc' } });
    const resolve: Record<RecipientRole, () => Promise<StaffMember[]>> = {
      // An unassigned task is the supervisors' to hand out.
      assignee: async () => (assignee ? [assignee] : byRole(task.agencyId, 'supervisor')),
      supervisor: async () =>
        assignee?.supervisorId
          ? [await prisma.staffMember.findUniqueOrThrow({ where: { id: assignee.supervisorId } })]
          : byRole(task.agencyId, 'supervisor'),
      focal_point: () => byRole(task.agencyId, 'focal_point'),
      coordinator: () => byRole(theCase.leadAgencyId, 'coordinator'),
      manager: () => byRole(theCase.leadAgencyId, 'manager'),
    };
    const found = (await Promise.all(notice.step.notify.map((role) => resolve[role]()))).flat();
    return [...new Map(found.map((s) => [s.id, s])).values()];
  }

  async function sendEmail(staff: StaffMember, notice: EscalationNotice): Promise<string> {
    if (!staff.email) throw new Unreachable('no email address');
    const language = Language.catch('vi').parse(staff.language);
    const link = `${publicBaseUrl}/tasks/${encodeURIComponent(notice.task.id)}`;
    const dueAt = notice.phase === 'acknowledge' ? notice.task.acknowledgeDueAt : notice.task.completeDueAt;
    const message = renderMessage(
      { caseCode: notice.caseCode, task: notice.task.title, phase: notice.phase, level: notice.level, dueAt, link, recipient: staff.name },
      language,
    );
    const { messageId } = await mailer.send({ to: staff.email, subject: message.subject, text: message.text, html: toHtml(message.text) });
    return messageId;
  }

  const senders: Partial<Record<Channel, typeof sendEmail>> = { email: sendEmail };

  return {
    async notifyEscalation(notice: EscalationNotice): Promise<EscalationReport> {
      const report: EscalationReport = { sent: 0, alreadySent: 0, failed: [] };
      for (const staff of await recipients(notice)) {
        for (const channel of notice.step.channels) {
          const id = [notice.task.id, notice.phase, notice.level, channel, staff.id].join(':');
          const logged = await prisma.notification.findUnique({ where: { id } });
          if (logged?.status === 'sent') {
            report.alreadySent++;
            continue;
          }
          const entry = { taskId: notice.task.id, recipientId: staff.id, level: notice.level, channel };
          await prisma.notification.upsert({ where: { id }, create: { id, ...entry, status: 'sending' }, update: {} });
          const send = senders[channel];
          try {
            if (!send) throw new Unreachable(`no ${channel} transport is configured`);
            const providerId = await send(staff, notice);
            await prisma.notification.update({ where: { id }, data: { status: 'sent', providerId, sentAt: new Date(), error: null } });
            report.sent++;
          } catch (error) {
            // Only a person we cannot reach is reported; anything else fails the activity so Temporal retries it.
            if (!(error instanceof Unreachable)) throw error;
            await prisma.notification.update({ where: { id }, data: { status: 'failed', error: error.message } });
            report.failed.push({ recipientId: staff.id, channel, reason: error.message });
          }
        }
      }
      return report;
    },
  };
}

class Unreachable extends Error {}

function toHtml(text: string): string {
  const escaped = text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const linked = escaped.replace(/(https?:\/\/[^\s]+)/g, '<a href="$1">$1</a>');
  return `<div style="font-family:sans-serif;white-space:pre-line">${linked}</div>`;
}
