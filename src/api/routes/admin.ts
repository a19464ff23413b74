/** Administration: API keys, the audit log, and re-encryption after a key rotation. */
import { z } from 'zod';
import { ApiKeyScopeError, createApiKey as storeApiKey, LastAdminKeyError, revokeApiKey as revokeStoredKey } from '../../auth/api-keys';
import { ApiRole, NATIONAL } from '../../auth/principal';
import { CaseCode } from '../../domain/case';
import { ProvinceCode } from '../../domain/provinces';
import { audit, auditAfter, type ApiContext } from '../context';
import { Problem } from '../problems';
import { q } from '../routing';

const DAY_MS = 86_400_000;

const NewKey = z.strictObject({
  owner: z.string().trim().min(1).max(200).describe('Who holds the key: a person or a system'),
  role: ApiRole,
  agencyId: z.string().min(1).max(64).optional(),
  province: ProvinceCode.or(z.literal(NATIONAL)).optional().describe(`A province; "${NATIONAL}" for a national manager`),
  staffId: z.string().min(1).max(64).optional().describe('The staff member who holds the key and whom it acts as (required for staff and coordinator keys)'),
  expiresInDays: z.number().int().min(1).max(730).default(90),
});
const KeyView = z.object({
  id: z.string(),
  owner: z.string(),
  role: z.string(),
  agencyId: z.string().nullable(),
  province: z.string().nullable(),
  staffId: z.string().nullable(),
  expiresAt: z.string(),
  createdAt: z.string(),
  createdBy: z.string(),
  revokedAt: z.string().nullable(),
});
const AuditEventView = z.object({
  id: z.number().int(),
  at: z.string(),
  requestId: z.string().nullable(),
  actor: z.object({ type: z.string(), id: z.string(), role: z.string().nullable(), agencyId: z.string().nullable(), province: z.string().nullable() }),
  action: z.string(),
  caseCode: z.string().nullable(),
  target: z.string().nullable(),
  outcome: z.string(),
  detail: z.record(z.string(), z.unknown()).nullable(),
});
const Instant = z.iso.datetime({ offset: true }).or(z.iso.date()).transform((s) => new Date(s));
const AuditQuery = z.strictObject({
  from: Instant.optional(),
  to: Instant.optional(),
  actorId: z.string().min(1).max(200).optional(),
  action: z.string().regex(/^[a-z][a-z.-]{1,63}$/, 'an action such as "personal-data.read"').optional(),
  caseCode: CaseCode.optional(),
  outcome: z.enum(['ok', 'denied', 'refused', 'failed']).optional(),
  before: q.int(1, 2_000_000_000).optional().describe('nextBefore of the previous page'),
  limit: q.int(1, 500).optional(),
});

const tag = 'Administration';

export function adminRoutes(ctx: ApiContext) {
  createApiKey(ctx);
  listApiKeys(ctx);
  revokeApiKey(ctx);
  queryAudit(ctx);
  rotatePersonalDataKeys(ctx);
}

function createApiKey(ctx: ApiContext) {
  ctx.routes.add(
    {
      method: 'POST',
      url: '/admin/api-keys',
      operationId: 'createApiKey',
      tag,
      summary: 'Issue an API key (shown once)',
      description: 'Staff and coordinator keys name an agency, its province and an active staff member of that agency (who holds the key); manager keys a province or "national"; admin keys carry no scope.',
      access: 'api-key.manage',
      body: NewKey,
      responses: { 201: { description: 'The key, shown only now', schema: KeyView.extend({ key: z.string() }) } },
    },
    async ({ request, reply, body, principal }) => {
      const { prisma } = ctx.db;
      const expiresAt = new Date(ctx.now().getTime() + body.expiresInDays * DAY_MS);
      const created = await storeApiKey(prisma, { ...body, expiresAt, createdBy: principal.id }).catch((error: unknown) => {
        throw error instanceof ApiKeyScopeError ? new Problem(400, 'invalid-request', `${error.path}: ${error.message}`, [{ path: error.path, message: error.message }]) : error;
      });
      await auditAfter(ctx, request, { action: 'api-key.create', outcome: 'ok', target: created.id, detail: { role: body.role, agencyId: body.agencyId, province: body.province } });
      const row = await prisma.apiKey.findUniqueOrThrow({ where: { id: created.id } });
      return reply.code(201).send({ ...keyView(row), key: created.key });
    },
  );
}

function listApiKeys(ctx: ApiContext) {
  ctx.routes.add(
    {
      method: 'GET',
      url: '/admin/api-keys',
      operationId: 'listApiKeys',
      tag,
      summary: 'API keys (never their secrets)',
      access: 'api-key.manage',
      query: z.strictObject({ includeRevoked: q.bool.optional() }),
      responses: { 200: { description: 'Keys', schema: z.object({ items: z.array(KeyView) }) } },
    },
    async ({ query }) => ({
      items: (await ctx.db.prisma.apiKey.findMany({ where: query.includeRevoked ? {} : { revokedAt: null }, orderBy: { createdAt: 'desc' } })).map(keyView),
    }),
  );
}

function revokeApiKey(ctx: ApiContext) {
  ctx.routes.add(
    {
      method: 'DELETE',
      url: '/admin/api-keys/:id',
      operationId: 'revokeApiKey',
      tag,
      summary: 'Revoke an API key (at once)',
      access: 'api-key.manage',
      params: z.strictObject({ id: z.string().regex(/^[0-9a-f]{16}$/, 'a key id (16 hex digits)') }),
      responses: { 204: { description: 'Revoked' }, 409: { description: 'The last working admin key: issue another first' } },
    },
    async ({ request, reply, params }) => {
      const revoked = await revokeStoredKey(ctx.db.prisma, params.id, ctx.now()).catch((error: unknown) => {
        throw error instanceof LastAdminKeyError ? new Problem(409, 'conflict', error.message) : error;
      });
      if (!revoked) throw new Problem(404, 'not-found', `no active API key ${params.id}`);
      await auditAfter(ctx, request, { action: 'api-key.revoke', outcome: 'ok', target: params.id });
      return reply.code(204).send();
    },
  );
}

function queryAudit(ctx: ApiContext) {
  ctx.routes.add(
    {
      method: 'GET',
      url: '/admin/audit',
      operationId: 'queryAudit',
      tag,
      summary: 'The audit log, newest first: who read personal data, who did what',
      access: 'audit.read',
      query: AuditQuery,
      responses: { 200: { description: 'Events', schema: z.object({ items: z.array(AuditEventView), nextBefore: z.number().int().nullable() }) } },
    },
    async ({ request, query }) => {
      await audit(ctx, request, { action: 'audit.read', outcome: 'ok', detail: { caseCode: query.caseCode, actorId: query.actorId, action: query.action } });
      return ctx.audit.query({ ...query, limit: query.limit ?? 100 });
    },
  );
}

function rotatePersonalDataKeys(ctx: ApiContext) {
  ctx.routes.add(
    {
      method: 'POST',
      url: '/admin/personal-data/rotate',
      operationId: 'rotatePersonalDataKeys',
      tag,
      summary: 'Re-encrypt all personal data and notes under the active key',
      description: 'After adding a new key to PERSONAL_DATA_KEYS and making it PERSONAL_DATA_KEY_ID: once this reports nothing left, the old key can be removed.',
      access: 'personal-data.rotate',
      responses: { 200: { description: 'How many records were re-encrypted', schema: z.object({ activeKeyId: z.string(), personalData: z.number().int(), notes: z.number().int() }) } },
    },
    async ({ request }) => {
      const counts = await ctx.personalData.rotate();
      await auditAfter(ctx, request, { action: 'personal-data.rotate', outcome: 'ok', detail: counts });
      return { activeKeyId: ctx.security.keyring.activeKeyId, ...counts };
    },
  );
}

function keyView(k: { id: string; owner: string; role: string; agencyId: string | null; province: string | null; staffId: string | null; expiresAt: Date; createdAt: Date; createdBy: string; revokedAt: Date | null }) {
  return {
    id: k.id,
    owner: k.owner,
    role: k.role,
    agencyId: k.agencyId,
    province: k.province,
    staffId: k.staffId,
    expiresAt: k.expiresAt.toISOString(),
    createdAt: k.createdAt.toISOString(),
    createdBy: k.createdBy,
    revokedAt: k.revokedAt?.toISOString() ?? null,
  };
}
