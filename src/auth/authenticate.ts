/**
 * From an `Authorization: Bearer …` header to a Principal: an API key (`dh_…`) or, when
 * configured, a JWT from the identity provider. A credential linked to a staff member works only
 * while that person is active in the same agency.
 */
import type { PrismaClient } from '../db/client';
import { looksLikeApiKey, verifyApiKey, type KeyCheck } from './api-keys';
import { JwksUnavailableError, JwtError, type JwtVerifier } from './jwt';
import type { Principal } from './principal';

export type AuthResult =
  | { ok: true; principal: Principal }
  | { ok: false; status: 401; reason: string }
  | { ok: false; status: 503; reason: string };

export class Authenticator {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly jwt: JwtVerifier | null,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async authenticate(header: string | string[] | undefined): Promise<AuthResult> {
    if (header === undefined) return fail('send a credential as "Authorization: Bearer <key or token>"');
    const m = typeof header === 'string' ? /^Bearer ([\x21-\x7e]{1,4096})$/i.exec(header.trim()) : null;
    if (!m) return fail('the Authorization header must be "Bearer <key or token>"');
    const token = m[1]!;
    let principal: Principal;
    if (looksLikeApiKey(token)) {
      const check = await verifyApiKey(this.prisma, token, this.now());
      if (!check.ok) return fail(KEY_REFUSALS[check.reason]);
      principal = check.principal;
    } else if (this.jwt && token.split('.').length === 3) {
      try {
        principal = await this.jwt.verify(token);
      } catch (error) {
        if (error instanceof JwksUnavailableError) return { ok: false, status: 503, reason: 'the identity provider keys are not available' };
        if (error instanceof JwtError) return fail(`invalid token: ${error.message}`);
        throw error;
      }
    } else {
      return fail('unknown credential');
    }
    if (principal.staffId) {
      const staff = await this.prisma.staffMember.findUnique({ where: { id: principal.staffId } });
      if (!staff?.active || staff.agencyId !== principal.agencyId) return fail('the staff member of this credential is not active in its agency');
    }
    return { ok: true, principal };
  }
}

const KEY_REFUSALS: Record<Exclude<KeyCheck, { ok: true }>['reason'], string> = {
  malformed: 'unknown API key',
  unknown: 'unknown API key',
  revoked: 'the API key was revoked',
  expired: 'the API key has expired',
  'out-of-date': 'the API key no longer meets the rules for its role: ask an administrator for a new one',
};

const fail = (reason: string): AuthResult => ({ ok: false, status: 401, reason });
