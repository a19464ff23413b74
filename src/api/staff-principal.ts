/**
 * A staff member of the directory as an API caller: links and the inbox act with the rights
 * that person would have with an API key, so the one matrix (src/auth/matrix.ts) decides.
 */
import type { ApiRole, CredentialType, Principal } from '../auth/principal';
import { StaffRole } from '../domain/staff';

/** The API role of a directory role. */
const API_ROLE_OF: Record<StaffRole, ApiRole> = { caseworker: 'staff', supervisor: 'staff', focal_point: 'staff', coordinator: 'coordinator', manager: 'manager' };

export interface DirectoryStaff {
  id: string;
  name: string;
  role: string;
  agencyId: string;
  agency: { province: string };
}

/** `id` is what the audit log names as the credential: a link id or a session's. */
export function staffPrincipal(type: CredentialType, id: string, staff: DirectoryStaff): Principal {
  const role = StaffRole.safeParse(staff.role);
  // An unknown directory role gets the role with no task permissions: a link fails closed.
  const apiRole = role.success ? API_ROLE_OF[role.data] : 'manager';
  return { type, id, owner: staff.name, role: apiRole, agencyId: staff.agencyId, province: staff.agency.province, staffId: staff.id };
}
