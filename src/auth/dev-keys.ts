/**
 * `npm start` on the local setup: one demo API key per role, written to DATA_DIR/dev-keys.json
 * (git-ignored, mode 0600) as `{ "coordinator": "dh_…", "staff": "…", "manager": "…", "admin": "…" }`.
 * Keys in an existing file are reused while they still work; otherwise new ones are made. The
 * keys act as demo staff of the seeded directory (Đà Nẵng), so task actions work with them.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { PrismaClient } from '../db/client';
import { createApiKey, verifyApiKey } from './api-keys';
import type { ApiRole } from './principal';

const ROLES: ApiRole[] = ['coordinator', 'staff', 'manager', 'admin'];
const YEAR_MS = 365 * 24 * 3_600_000;

export async function ensureDevKeys(prisma: PrismaClient, file: string): Promise<{ file: string; created: boolean; keys: Record<ApiRole, string> }> {
  const existing = readKeys(file);
  if (existing && (await Promise.all(ROLES.map(async (r) => (await verifyApiKey(prisma, existing[r] ?? '')).ok))).every(Boolean)) {
    return { file, created: false, keys: existing as Record<ApiRole, string> };
  }
  const staffMember = (role: string, agencyId?: string) =>
    prisma.staffMember.findFirst({ where: { role, active: true, ...(agencyId ? { agencyId } : {}) }, include: { agency: true }, orderBy: { id: 'asc' } });
  // Prefer the health department (the lead agency of demo cases): its caseworker sees the coordinator's cases.
  const lead = await prisma.agency.findFirst({ where: { kind: 'health_dept' }, orderBy: { id: 'asc' } });
  const caseworker = (lead && (await staffMember('caseworker', lead.id))) ?? (await staffMember('caseworker'));
  if (!caseworker) throw new Error('no active caseworker in the directory: seed the demo directory first');
  const coordinator = (await staffMember('coordinator', caseworker.agencyId)) ?? (await staffMember('coordinator')) ?? caseworker;
  const manager = (await staffMember('manager', caseworker.agencyId)) ?? (await staffMember('manager'));
  const expiresAt = new Date(Date.now() + YEAR_MS);
  const make = (role: ApiRole, owner: string, scope: { agencyId?: string; province?: string; staffId?: string }) =>
    createApiKey(prisma, { owner, role, ...scope, expiresAt, createdBy: 'dev-keys' }).then((k) => k.key);
  const keys: Record<ApiRole, string> = {
    coordinator: await make('coordinator', `${coordinator.name} (demo coordinator)`, {
      agencyId: coordinator.agencyId,
      province: coordinator.agency.province,
      staffId: coordinator.id,
    }),
    staff: await make('staff', `${caseworker.name} (demo staff)`, {
      agencyId: caseworker.agencyId,
      province: caseworker.agency.province,
      staffId: caseworker.id,
    }),
    manager: await make(
      'manager',
      `${manager?.name ?? 'Demo'} (demo manager)`,
      manager ? { agencyId: manager.agencyId, province: manager.agency.province, staffId: manager.id } : { province: caseworker.agency.province },
    ),
    admin: await make('admin', 'Demo administrator', {}),
  };
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.writeFileSync(file, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
  fs.chmodSync(file, 0o600); // a file that was there keeps its mode otherwise
  return { file, created: true, keys };
}

function readKeys(file: string): Partial<Record<ApiRole, string>> | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<Record<ApiRole, string>>;
  } catch {
    return null;
  }
}
