/** Shared setup of the notification tests: a migrated, seeded SQLite database, real SMTP, the local SMS gateway. */
import { randomBytes } from 'node:crypto';
import type { Database } from '../../src/db/client';
import { startSmsGateway, type SmsGateway } from '../../src/local/sms-gateway';
import type { Mailer } from '../../src/transports/email';
import { createSmsSender, type SmsSender } from '../../src/transports/sms';
import type { TaskState } from '../../src/journey/definitions';
import { mailerFor, startInbox, type Inbox } from '../support/smtp';
import { createTestDatabase } from '../support/test-database';

export const MAIL_FROM = 'Đồng Hành <no-reply@donghanh.local>';
export const SMS_FROM = '+84900000999';
/** A victim's name the tests know, so they can prove it appears in no message. */
export const VICTIM_NAME = 'Hoàng Thị Bí Mật';

export interface NotificationRig {
  db: Database;
  inbox: Inbox;
  mailer: Mailer;
  gateway: SmsGateway;
  sms: SmsSender;
  authToken: string;
  /** SMTP replies for addresses: 550 for a refused mailbox, or a number of 451s before accepting. */
  refuse: Map<string, { code: number; times: number }>;
  teardown(): Promise<void>;
}

export async function startRig(): Promise<NotificationRig> {
  const testDb = await createTestDatabase();
  const { db } = testDb;
  const refuse = new Map<string, { code: number; times: number }>();
  const inbox = await startInbox({
    refuseRecipient: (address) => {
      const rule = refuse.get(address);
      if (!rule || rule.times <= 0) return undefined;
      rule.times -= 1;
      return { code: rule.code, message: rule.code >= 500 ? 'Mailbox unavailable' : 'Try again later' };
    },
  });
  const mailer = mailerFor(inbox, MAIL_FROM);
  const accountSid = `AC${randomBytes(16).toString('hex')}`;
  const authToken = randomBytes(16).toString('hex');
  const gateway = await startSmsGateway({ accountSid, authToken, stepDelayMs: 5 });
  const sms = createSmsSender({ accountSid, authToken, baseUrl: gateway.url, from: SMS_FROM });
  return {
    db,
    inbox,
    mailer,
    gateway,
    sms,
    authToken,
    refuse,
    async teardown() {
      await gateway.close();
      mailer.close();
      await inbox.close();
      await testDb.close();
    },
  };
}

export interface PersonSpec {
  id: string;
  name?: string;
  email?: string | null;
  phone?: string | null;
  language?: 'vi' | 'en';
  role?: string;
  supervisorId?: string | null;
  agencyId?: string;
  quietHoursStart?: string | null;
  quietHoursEnd?: string | null;
}

/** A staff member of dn-health made for one test (seeded staff stay untouched). */
export async function person(db: Database, spec: PersonSpec) {
  const data = {
    name: spec.name ?? `Cán bộ ${spec.id}`,
    email: spec.email === undefined ? `${spec.id}@donghanh.local` : spec.email,
    phone: spec.phone === undefined ? null : spec.phone,
    language: spec.language ?? 'vi',
    role: spec.role ?? 'caseworker',
    supervisorId: spec.supervisorId ?? null,
    quietHoursStart: spec.quietHoursStart ?? null,
    quietHoursEnd: spec.quietHoursEnd ?? null,
  };
  return db.prisma.staffMember.upsert({ where: { id: spec.id }, create: { id: spec.id, agencyId: spec.agencyId ?? 'dn-health', ...data }, update: data });
}

/** A case and its reception task, as the journey would have recorded them. */
export async function caseWithTask(db: Database, caseCode: string, assigneeId: string | null, dueAt = new Date(Date.now() - 60_000)): Promise<TaskState> {
  await db.prisma.case.create({ data: { code: caseCode, province: 'VN-DN', leadAgencyId: 'dn-health', workflowId: `journey-${caseCode}`, stage: 'reception', status: 'active' } });
  const task: TaskState = {
    id: `${caseCode}/reception`,
    key: 'reception',
    stage: 'reception',
    title: { vi: 'Tiếp nhận và hỗ trợ khẩn cấp', en: 'Reception and immediate support' },
    agencyId: 'dn-health',
    assigneeId,
    status: 'open',
    createdAt: new Date(dueAt.getTime() - 4 * 3_600_000).toISOString(),
    acknowledgeDueAt: dueAt.toISOString(),
    completeDueAt: new Date(dueAt.getTime() + 20 * 3_600_000).toISOString(),
    escalationLevel: 1,
    extendedMs: 0,
    revision: 0,
  };
  await db.prisma.task.create({
    data: {
      id: task.id,
      caseCode,
      key: task.key,
      stage: task.stage,
      agencyId: task.agencyId,
      assigneeId,
      status: 'open',
      acknowledgeDueAt: new Date(task.acknowledgeDueAt),
      completeDueAt: new Date(task.completeDueAt),
    },
  });
  return task;
}

/** Every text that left the service: email subjects, plain and HTML parts, SMS bodies. */
export function everythingSent(rig: Pick<NotificationRig, 'inbox' | 'gateway'>): string[] {
  return [
    ...rig.inbox.messages.flatMap((m) => [m.subject ?? '', m.text ?? '', typeof m.html === 'string' ? m.html : '']),
    ...rig.gateway.messages().map((m) => m.body),
  ];
}

export { until } from '../support/until';
