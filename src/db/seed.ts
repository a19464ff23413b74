import type { PrismaClient } from './client';
import { DEMO_AGENCIES, DEMO_PROVINCE, type DemoAgency } from './seed-data';

/**
 * Fills an empty directory with the Đà Nẵng demo agencies and staff. Does nothing once any
 * agency exists, so an operator's real directory is never touched.
 */
export async function seedDemoData(prisma: PrismaClient): Promise<{ seeded: boolean }> {
  if ((await prisma.agency.count()) > 0) return { seeded: false };
  const staff = DEMO_AGENCIES.flatMap(staffRows);
  try {
    await prisma.$transaction([
      prisma.agency.createMany({
        data: DEMO_AGENCIES.map(({ id, kind, nameVi, nameEn }) => ({ id, kind, nameVi, nameEn, province: DEMO_PROVINCE })),
      }),
      prisma.staffMember.createMany({ data: staff }),
    ]);
  } catch (error) {
    // Another process (worker and API start together) seeded first: that is the outcome we wanted.
    if ((error as { code?: string }).code === 'P2002' && (await prisma.agency.count()) > 0) return { seeded: false };
    throw error;
  }
  return { seeded: true };
}

/** Ids like `dn-health-caseworker-2`; contact details are derived demo values. */
function staffRows(agency: DemoAgency, agencyIndex: number) {
  const idOf = (role: string, n: number) => `${agency.id}-${role}-${n}`;
  const hasSupervisor = agency.staff.some((s) => s.role === 'supervisor');
  const seen = new Map<string, number>();
  return agency.staff.map((member, staffIndex) => {
    const n = (seen.get(member.role) ?? 0) + 1;
    seen.set(member.role, n);
    const id = idOf(member.role, n);
    return {
      id,
      agencyId: agency.id,
      name: member.name,
      role: member.role,
      language: member.language ?? 'vi',
      email: `${id}@donghanh.local`,
      // +84 90 then 7 digits: agency and staff position make it unique and stable.
      phone: `+8490000${pad2(agencyIndex + 1)}${pad2(staffIndex + 1)}`,
      supervisorId: member.role === 'caseworker' && hasSupervisor ? idOf('supervisor', 1) : null,
    };
  });
}

const pad2 = (n: number) => String(n).padStart(2, '0');
