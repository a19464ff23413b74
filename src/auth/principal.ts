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

/** `task-link`: a short link of a notification; `inbox`: a session of the task inbox (src/api/routes/inbox.ts). */
export type CredentialType = 'api-key' | 'jwt' | 'action-link' | 'task-link' | 'inbox' | 'sms-reply';

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

export interface ScopeIssue {
  field: 'role' | 'agencyId' | 'province' | 'staffId';
  message: string;
}

/**
 * The scope each role must carry, checked when a key is created, when a key is presented and when
 * a token is accepted: a credential without it would silently see too much or nothing. Roles that
 * read personal data name the person who holds them, so every read is someone's.
 */
export function scopeIssue(p: Pick<Principal, 'role' | 'agencyId' | 'province' | 'staffId'>): ScopeIssue | null {
  const issue = (field: ScopeIssue['field'], message: string) => ({ field, message });
  switch (p.role) {
    case 'staff':
    case 'coordinator':
      if (!p.agencyId) return issue('agencyId', `a ${p.role} credential needs an agency and a province`);
      if (!p.province) return issue('province', `a ${p.role} credential needs an agency and a province`);
      if (p.province === NATIONAL) return issue('province', 'only a manager credential may be national');
      if (!p.staffId) return issue('staffId', `a ${p.role} credential needs the staff member who holds it`);
      return null;
    case 'manager':
      if (!p.province) return issue('province', `a manager credential needs a province, or "${NATIONAL}" for national scope`);
      return null;
    case 'admin':
      if (p.agencyId || p.province || p.staffId) return issue('role', 'an admin credential is national and acts as no staff member');
      return null;
  }
}

export const scopeProblem = (p: Pick<Principal, 'role' | 'agencyId' | 'province' | 'staffId'>): string | null => scopeIssue(p)?.message ?? null;
