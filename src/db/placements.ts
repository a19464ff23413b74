/**
 * Places in support facilities: reserving one for a placement task, moving it to the facility the
 * coordinator chose, marking it occupied, releasing a case's places at exit, and the free places of
 * a province. A facility's `occupied` counts reserved and occupied places, and changes in the same
 * transaction as the placement row. A place is taken by one conditional UPDATE ("occupied <
 * capacity"): on SQLite writers are serialised, on PostgreSQL the row lock makes a second writer
 * re-check the condition, so concurrent reservations never exceed capacity on either. Each
 * reservation is keyed by its task id, so a retried activity reserves once. Ids only.
 */
import type { PrismaClient } from './client';

type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

export const PlacementStatus = { reserved: 'reserved', occupied: 'occupied', released: 'released' } as const;
const LIVE = [PlacementStatus.reserved, PlacementStatus.occupied];

export type ReserveResult = { status: 'reserved'; national: boolean } | { status: 'full' } | { status: 'released' };
export type ChooseResult = { status: 'reserved' } | { status: 'full' } | { status: 'unavailable' };

interface FacilityRow {
  id: string;
  province: string;
  dedicated: boolean;
  national: boolean;
}

/**
 * The order placement tries facilities in: the case's own province first (the person stays near
 * the people who will reintegrate them), dedicated facilities before other social assistance
 * facilities (they give the comprehensive services), then national facilities of other provinces;
 * by id within each, so the choice is predictable.
 */
export function placementOrder(province: string, facilities: FacilityRow[]): FacilityRow[] {
  const rank = (f: FacilityRow) => (f.province === province ? 0 : 2) + (f.dedicated ? 0 : 1);
  return [...facilities].sort((a, b) => rank(a) - rank(b) || a.id.localeCompare(b.id));
}

/** Facilities that may take a person of `province`: its own, and national ones. */
const eligible = (province: string) => ({ active: true, OR: [{ province }, { national: true }] });

/** Takes one place of the facility if it has one free: true when taken. */
async function takePlace(tx: Tx, facilityId: string): Promise<boolean> {
  const taken = await tx.supportFacility.updateMany({
    where: { id: facilityId, active: true, occupied: { lt: tx.supportFacility.fields.capacity } },
    data: { occupied: { increment: 1 } },
  });
  return taken.count === 1;
}

async function givePlaceBack(tx: Tx, facilityId: string) {
  await tx.supportFacility.updateMany({ where: { id: facilityId, occupied: { gt: 0 } }, data: { occupied: { decrement: 1 } } });
}

const isUniqueViolation = (e: unknown) => (e as { code?: string })?.code === 'P2002';

/** A place for the task in the first facility (placementOrder) with one free, or 'full'. */
export async function reservePlace(prisma: PrismaClient, r: { caseCode: string; taskId: string; province: string }, now = new Date()): Promise<ReserveResult> {
  const existing = await prisma.facilityPlacement.findUnique({ where: { taskId: r.taskId }, include: { facility: true } });
  if (existing) return existing.status === PlacementStatus.released ? { status: 'released' } : { status: 'reserved', national: existing.facility.province !== r.province };
  const candidates = placementOrder(r.province, await prisma.supportFacility.findMany({ where: eligible(r.province), select: { id: true, province: true, dedicated: true, national: true } }));
  for (const facility of candidates) {
    try {
      const won = await prisma.$transaction(async (tx) => {
        if (!(await takePlace(tx, facility.id))) return false;
        await tx.facilityPlacement.create({ data: { taskId: r.taskId, caseCode: r.caseCode, facilityId: facility.id, status: PlacementStatus.reserved, reservedAt: now } });
        return true;
      });
      if (won) return { status: 'reserved', national: facility.province !== r.province };
    } catch (error) {
      // The same task reserved at the same moment (a retry racing its first attempt): that one holds the place, this one rolled back.
      if (isUniqueViolation(error)) return reservePlace(prisma, r, now);
      throw error;
    }
  }
  return { status: 'full' };
}

/**
 * The coordinator's choice: the task's place moves to `facilityId` (or is made there, when the
 * province was full). The old place is given back in the same transaction; choosing the facility
 * that already holds it changes nothing, so a retry is harmless.
 */
export async function choosePlace(prisma: PrismaClient, c: { caseCode: string; taskId: string; facilityId: string; province: string }, now = new Date()): Promise<ChooseResult> {
  const facility = await prisma.supportFacility.findFirst({ where: { id: c.facilityId, ...eligible(c.province) } });
  if (!facility) return { status: 'unavailable' };
  return prisma.$transaction(async (tx): Promise<ChooseResult> => {
    const current = await tx.facilityPlacement.findUnique({ where: { taskId: c.taskId } });
    const live = current !== null && (LIVE as string[]).includes(current.status);
    if (live && current.facilityId === c.facilityId) return { status: 'reserved' };
    if (!(await takePlace(tx, c.facilityId))) return { status: 'full' };
    if (live) await givePlaceBack(tx, current.facilityId);
    // An occupied place stays occupied: the person moves from one facility to the other.
    const status = live && current.status === PlacementStatus.occupied ? PlacementStatus.occupied : PlacementStatus.reserved;
    const row = { caseCode: c.caseCode, facilityId: c.facilityId, status, reservedAt: now, releasedAt: null };
    await tx.facilityPlacement.upsert({ where: { taskId: c.taskId }, create: { taskId: c.taskId, ...row }, update: row });
    return { status: 'reserved' };
  });
}

/** The placement task was done: the person is in the facility. */
export async function occupyPlace(prisma: PrismaClient, taskId: string, now = new Date()): Promise<void> {
  await prisma.facilityPlacement.updateMany({ where: { taskId, status: PlacementStatus.reserved }, data: { status: PlacementStatus.occupied, occupiedAt: now } });
}

/** Every live place of the case is given back (exit); a retry finds nothing left to release. */
export async function releasePlaces(prisma: PrismaClient, caseCode: string, now = new Date()): Promise<number> {
  const live = await prisma.facilityPlacement.findMany({ where: { caseCode, status: { in: LIVE } } });
  let released = 0;
  for (const p of live) {
    released += await prisma.$transaction(async (tx) => {
      // Conditional on the row as read: a concurrent move or release of it counts once.
      const done = await tx.facilityPlacement.updateMany({ where: { taskId: p.taskId, facilityId: p.facilityId, status: { in: LIVE } }, data: { status: PlacementStatus.released, releasedAt: now } });
      if (done.count === 1) await givePlaceBack(tx, p.facilityId);
      return done.count;
    });
  }
  return released;
}

/** Free places of the province's facilities and of national ones, for coordinators. No personal data: counts. */
export async function freePlaces(prisma: PrismaClient, province: string) {
  const rows = await prisma.supportFacility.findMany({ where: eligible(province), orderBy: { id: 'asc' } });
  const facilities = placementOrder(province, rows).map((id) => rows.find((r) => r.id === id.id)!);
  const items = facilities.map((f) => ({
    id: f.id,
    province: f.province,
    nameVi: f.nameVi,
    nameEn: f.nameEn,
    dedicated: f.dedicated,
    national: f.national,
    capacity: f.capacity,
    occupied: f.occupied,
    free: Math.max(0, f.capacity - f.occupied),
  }));
  const sum = (of: typeof items) => of.reduce((n, f) => n + f.free, 0);
  return { province, free: sum(items.filter((f) => f.province === province)), nationalFree: sum(items.filter((f) => f.province !== province)), items };
}
