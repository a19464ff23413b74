/**
 * The audit log: an append-only table of who read personal data and who did what, with the
 * credential used and the request id. This module can only append and query; the database
 * refuses UPDATE and DELETE on the table (triggers in migration 0003_access_and_audit).
 * `detail` holds pseudonymous facts only (codes, ids, statuses): never personal data.
 */
import type { PrismaClient } from '../db/client';
import type { Principal } from '../auth/principal';

export type AuditOutcome = 'ok' | 'denied' | 'refused' | 'failed';

export interface AuditEntry {
  action: string;
  outcome: AuditOutcome;
  caseCode?: string | null;
  target?: string | null;
  detail?: Record<string, unknown>;
}

export interface AuditContext {
  principal: Principal | null;
  /** Our id of the request. */
  requestId: string | null;
  /** The caller's own X-Request-Id, if it sent a plausible one: kept in the detail, never as our id. */
  clientRequestId?: string | null;
}

/** A client or a transaction: an audit row can commit with the change it records. */
export type AuditClient = Pick<PrismaClient, 'auditEvent'>;

export interface AuditQuery {
  from?: Date;
  to?: Date;
  actorId?: string;
  action?: string;
  caseCode?: string;
  outcome?: AuditOutcome;
  /** Events with an id below this (paging backwards from the newest). */
  before?: number;
  limit: number;
}

export class AuditLog {
  constructor(private readonly prisma: AuditClient) {}

  /** The same log inside a transaction. */
  withClient(client: AuditClient): AuditLog {
    return new AuditLog(client);
  }

  async append(ctx: AuditContext, e: AuditEntry): Promise<void> {
    const p = ctx.principal;
    const detail = ctx.clientRequestId ? { ...e.detail, clientRequestId: ctx.clientRequestId } : e.detail;
    await this.prisma.auditEvent.create({
      data: {
        requestId: ctx.requestId,
        actorType: p?.type ?? 'anonymous',
        actorId: p?.id ?? 'anonymous',
        actorRole: p?.role ?? null,
        actorAgencyId: p?.agencyId ?? null,
        actorProvince: p?.province ?? null,
        action: e.action,
        caseCode: e.caseCode ?? null,
        target: e.target ?? null,
        outcome: e.outcome,
        detail: detail ? JSON.stringify(detail) : null,
      },
    });
  }

  async query(q: AuditQuery) {
    const rows = await this.prisma.auditEvent.findMany({
      where: {
        ...(q.from || q.to ? { at: { ...(q.from ? { gte: q.from } : {}), ...(q.to ? { lt: q.to } : {}) } } : {}),
        ...(q.actorId ? { actorId: q.actorId } : {}),
        ...(q.action ? { action: q.action } : {}),
        ...(q.caseCode ? { caseCode: q.caseCode } : {}),
        ...(q.outcome ? { outcome: q.outcome } : {}),
        ...(q.before ? { id: { lt: q.before } } : {}),
      },
      orderBy: { id: 'desc' },
      take: q.limit + 1,
    });
    const page = rows.slice(0, q.limit);
    return {
      items: page.map((r) => ({
        id: r.id,
        at: r.at.toISOString(),
        requestId: r.requestId,
        actor: { type: r.actorType, id: r.actorId, role: r.actorRole, agencyId: r.actorAgencyId, province: r.actorProvince },
        action: r.action,
        caseCode: r.caseCode,
        target: r.target,
        outcome: r.outcome,
        detail: r.detail ? (JSON.parse(r.detail) as Record<string, unknown>) : null,
      })),
      nextBefore: rows.length > q.limit ? page[page.length - 1]!.id : null,
    };
  }
}
