/**
 * Who is calling: the result of authentication, whatever the credential (API key, JWT bearer
 * token or one-click action link). Every authorisation decision reads only this.
 */
import { z } from 'zod';

/** API roles (not the directory's staff roles): what a caller may do, see ./matrix.ts. */
export const ApiRole = z.enum(['coordinator', 'staff', 'manager', 'admin']);
export type ApiRole = z.infer<typeof ApiRole>;

/**
 * The province value of a national credential. National scope is always said, never inferred
 * from a missing province: a forgotten claim must not widen what a caller sees.
 */
export const NATIONAL = 'national';

export type CredentialType = 'api-key' | 'jwt' | 'action-link';

export interface Principal {
  type: CredentialType;
  /** Key id, token `sub` or link id: what the audit log names as the actor. */
  id: string;
  /** Who holds the credential (a person or a system), for the audit log. */
  owner: string;
  role: ApiRole;
  /** Staff: their agency; coordinators: their health department, when linked. */
  agencyId: string | null;
  /** Coordinators and staff: their province; managers: a province or NATIONAL; admins: null. */
  province: string | null;
  /** The directory's staff member this caller acts as (task actions need one). */
  staffId: string | null;
}

/**
 * The scope each role must carry, checked when a key is created and when a token is accepted:
 * a credential without it would silently see too much or nothing.
 */
export function scopeProblem(p: Pick<Principal, 'role' | 'agencyId' | 'province' | 'staffId'>): string | null {
  switch (p.role) {
    case 'staff':
      if (!p.agencyId || !p.province) return 'a staff credential needs an agency and a province';
      if (p.province === NATIONAL) return 'only a manager credential may be national';
      return null;
    case 'coordinator':
      if (!p.province) return 'a coordinator credential needs a province';
      if (p.province === NATIONAL) return 'only a manager credential may be national';
      return null;
    case 'manager':
      if (!p.province) return `a manager credential needs a province, or "${NATIONAL}" for national scope`;
      return null;
    case 'admin':
      if (p.agencyId || p.province || p.staffId) return 'an admin credential is national and acts as no staff member';
      return null;
  }
}
