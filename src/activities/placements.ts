/**
 * Shelter places as the journey asks for them: thin adapters over src/db/placements.ts. Their
 * results say only whether a place was found: which facility holds the person (their whereabouts)
 * stays in the database, out of the workflow's history.
 */
import type { Database } from '../db/client';
import { choosePlace, occupyPlace, releasePlaces, reservePlace } from '../db/placements';

export interface PlaceRequest {
  caseCode: string;
  taskId: string;
  province: string;
}

export function placementActivities({ prisma }: Database) {
  return {
    /** Idempotent by task id: a retry finds the place it reserved. */
    async reservePlace(r: PlaceRequest): Promise<{ status: 'reserved' | 'full' | 'released' }> {
      const { status } = await reservePlace(prisma, r);
      return { status };
    },

    /** Moves the task's place to the facility the coordinator chose (or makes it there). */
    async choosePlace(c: PlaceRequest & { facilityId: string }): Promise<{ status: 'reserved' | 'full' | 'unavailable' }> {
      return choosePlace(prisma, c);
    },

    async occupyPlace(o: { taskId: string }): Promise<void> {
      await occupyPlace(prisma, o.taskId);
    },

    async releasePlaces(r: { caseCode: string }): Promise<{ released: number }> {
      return { released: await releasePlaces(prisma, r.caseCode) };
    },
  };
}
