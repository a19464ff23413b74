/**
 * API keys: `dh_<id>_<secret>`, sent as `Authorization: Bearer <key>`. The id is public (it names
 * the key in the audit log); only the SHA-256 of the secret is stored, and the key is shown once,
 * when it is created. A 256-bit random secret needs no slow hash: it cannot be guessed.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { PrismaClient } from '../db/client';
import { ApiRole, scopeIssue, scopeProblem, type Principal } from './principal';

const KEY_PATTERN = /^dh_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export interface NewApiKey {
  owner: string;
  role: ApiRole;
  agencyId?: string | null;
  province?: string | null;
  staffId?: string | null;
  expiresAt: Date;
  createdBy: string;
}

export class ApiKeyScopeError extends Error {
  override name = 'ApiKeyScopeError';
  constructor(readonly path: string, message: string) {
    super(message);
  }
}

const hashSecret = (secret: string) => createHash('sha256').update(secret, 'utf8').digest('hex');

/**
 * Checks the scope against the directory: the agency exists in the province, the staff member
 * is active in that agency. Throws ApiKeyScopeError naming the field.
 */
export async function checkKeyScope(prisma: PrismaClient, k: Pick<NewApiKey, 'role' | 'agencyId' | 'province' | 'staffId'>): Promise<void> {
  const issue = scopeIssue({ role: k.role, agencyId: k.agencyId ?? null, province: k.province ?? null, staffId: k.staffId ?? null });
  // A missing staff member is reported after a wrong agency or province: those are the bigger mistake.
  if (issue && issue.field !== 'staffId') throw new ApiKeyScopeError(issue.field, issue.message);
  if (k.agencyId) {
    const agency = await prisma.agency.findUnique({ where: { id: k.agencyId } });
    if (!agency) throw new ApiKeyScopeError('agencyId', `no agency "${k.agencyId}"`);
    if (k.province && agency.province !== k.province) throw new ApiKeyScopeError('province', `agency "${k.agencyId}" is in ${agency.province}, not ${k.province}`);
  }
  if (issue) throw new ApiKeyScopeError(issue.field, issue.message);
  if (k.staffId) {
    const staff = await prisma.staffMember.findUnique({ where: { id: k.staffId } });
    if (!staff?.active) throw new ApiKeyScopeError('staffId', `no active staff member "${k.staffId}"`);
    if (staff.agencyId !== k.agencyId) throw new ApiKeyScopeError('staffId', `staff member "${k.staffId}" is not in agency "${k.agencyId ?? '(none)'}"`);
  }
}

export async function createApiKey(prisma: PrismaClient, k: NewApiKey): Promise<{ id: string; key: string }> {
  await checkKeyScope(prisma, k);
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  await prisma.apiKey.create({
    data: {
      id,
      secretHash: hashSecret(secret),
      owner: k.owner,
      role: k.role,
      agencyId: k.agencyId ?? null,
      province: k.province ?? null,
      staffId: k.staffId ?? null,
      expiresAt: k.expiresAt,
      createdBy: k.createdBy,
    },
  });
  return { id, key: `dh_${id}_${secret}` };
}

export function looksLikeApiKey(token: string): boolean {
  return token.startsWith('dh_');
}

export type KeyCheck = { ok: true; principal: Principal } | { ok: false; reason: 'malformed' | 'unknown' | 'revoked' | 'expired' | 'out-of-date' };

/** The principal of a presented key, or why it is refused (the caller answers 401 either way). */
export async function verifyApiKey(prisma: PrismaClient, presented: string, now = new Date()): Promise<KeyCheck> {
  const m = KEY_PATTERN.exec(presented);
  if (!m) return { ok: false, reason: 'malformed' };
  const [, id, secret] = m as unknown as [string, string, string];
  const row = await prisma.apiKey.findUnique({ where: { id } });
  // Hash and compare even for an unknown id, so timing does not tell which ids exist.
  const expected = Buffer.from(row?.secretHash ?? '0'.repeat(64), 'hex');
  const matches = timingSafeEqual(expected, Buffer.from(hashSecret(secret), 'hex'));
  if (!row || !matches) return { ok: false, reason: 'unknown' };
  if (row.revokedAt) return { ok: false, reason: 'revoked' };
  if (row.expiresAt <= now) return { ok: false, reason: 'expired' };
  const role = ApiRole.safeParse(row.role);
  if (!role.success) return { ok: false, reason: 'out-of-date' };
  const principal: Principal = { type: 'api-key', id: row.id, owner: row.owner, role: role.data, agencyId: row.agencyId, province: row.province, staffId: row.staffId };
  // A key issued under older, looser rules (a manager with no province was national) stops working.
  if (scopeProblem(principal)) return { ok: false, reason: 'out-of-date' };
  return { ok: true, principal };
}

export class LastAdminKeyError extends Error {
  override name = 'LastAdminKeyError';
}

/**
 * Revokes a key; false when there is no active key of that id. Refuses (LastAdminKeyError) to
 * revoke the last working admin key: nobody could then issue or revoke keys at all. Serializable,
 * so two admins revoking each other's keys at once cannot both succeed.
 */
export async function revokeApiKey(prisma: PrismaClient, id: string, now = new Date()): Promise<boolean> {
  return prisma.$transaction(
    async (tx) => {
      const { count } = await tx.apiKey.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: now } });
      if (count === 0) return false;
      const row = await tx.apiKey.findUniqueOrThrow({ where: { id } });
      if (row.role === 'admin' && row.expiresAt > now && (await tx.apiKey.count({ where: { role: 'admin', revokedAt: null, expiresAt: { gt: now } } })) === 0) {
        throw new LastAdminKeyError(`key ${id} is the last working admin key: issue another admin key before revoking it`);
      }
      return true;
    },
    { isolationLevel: 'Serializable' },
  );
}
