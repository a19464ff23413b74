/** The directory side of src/domain/absence.ts: whom a staff member covers for at a moment. */
import { coverOf, isAbsent } from '../domain/absence';
import type { PrismaClient, StaffMember } from './client';

type Prisma = Pick<PrismaClient, 'staffMember'>;

export function coverFor(prisma: Prisma, person: StaffMember, at: Date) {
  return coverOf(person, at, (id) => prisma.staffMember.findUnique({ where: { id } }));
}

/**
 * The people `staffId` covers for at `at`: absent colleagues of the agency whose notifications
 * reach them (as deputy, a deputy's deputy or supervisor). Deputies are of the same agency.
 */
export async function coveredBy(prisma: Prisma, staffId: string, agencyId: string, at: Date): Promise<string[]> {
  const away = await prisma.staffMember.findMany({ where: { agencyId, active: true, absentFrom: { lte: at }, absentUntil: { gt: at } }, orderBy: { id: 'asc' } });
  const covered: string[] = [];
  for (const person of away) {
    if (isAbsent(person, at) && (await coverFor(prisma, person, at)).cover.id === staffId) covered.push(person.id);
  }
  return covered;
}
