/**
 * Shelter places: the free places a coordinator can place a person in (counts per facility, no
 * personal data), and the coordinator's choice of facility for a placement task, which moves the
 * task's reservation there (a workflow update, so it never races the journey's own release).
 */
import { z } from 'zod';
import { provincesOf } from '../../auth/matrix';
import { freePlaces } from '../../db/placements';
import { ProvinceCode } from '../../domain/provinces';
import { choosePlacementUpdate } from '../../journey/definitions';
import type { ApiContext } from '../context';
import { addAction } from '../journey-actions';
import { Problem } from '../problems';

const FacilityId = z.string().regex(/^[a-z0-9][a-z0-9-]{1,63}$/, 'a facility id such as "dn-shelter-1"');

const FreePlace = z.object({
  id: z.string(),
  province: z.string(),
  nameVi: z.string(),
  nameEn: z.string(),
  dedicated: z.boolean(),
  national: z.boolean().describe('Takes people of every province'),
  capacity: z.number().int(),
  occupied: z.number().int().describe('Places taken, reservations included'),
  free: z.number().int(),
});
const FreePlaces = z.object({
  province: z.string(),
  free: z.number().int().describe("Free places in the province's own active facilities"),
  nationalFree: z.number().int().describe('Free places in national facilities of other provinces'),
  items: z.array(FreePlace).describe('In the order placement tries them: the province first, dedicated facilities first, then national ones'),
});

export function placementRoutes(ctx: ApiContext) {
  listFreePlaces(ctx);
  choosePlacement(ctx);
}

function listFreePlaces(ctx: ApiContext) {
  ctx.routes.add(
    {
      method: 'GET',
      url: '/facilities/free-places',
      operationId: 'freePlaces',
      tag: 'Facilities',
      summary: 'Free places of the active support facilities a person of the province can be placed in (its own and national ones)',
      description: 'Coordinators and managers read their own province (national managers and administrators any); `province` defaults to the caller\'s.',
      access: 'facility.free-places',
      query: z.strictObject({ province: ProvinceCode.optional() }),
      responses: { 200: { description: 'Counts per facility', schema: FreePlaces } },
    },
    async ({ query, principal }) => {
      const allowed = provincesOf(principal, 'facility.free-places');
      const province = query.province ?? (allowed?.length === 1 ? allowed[0] : undefined);
      if (!province) throw new Problem(400, 'invalid-request', 'province: name the province', [{ path: 'province', message: 'required for a national caller' }]);
      if (allowed !== null && !allowed.includes(province)) throw new Problem(403, 'forbidden', `you may read the free places of ${allowed.join(', ') || 'no province'} only`);
      return freePlaces(ctx.db.prisma, province);
    },
  );
}

function choosePlacement(ctx: ApiContext) {
  addAction(ctx, {
    level: 'task',
    path: 'placement',
    operationId: 'choosePlacement',
    summary: "Place the person of a placement task in this facility: its reservation moves there (or is made, when the province was full)",
    description: 'The facility must be active and of the case\'s province or national; one with no free place is a 409 and changes nothing.',
    permission: 'case.placement',
    body: z.strictObject({ facilityId: FacilityId }),
    response: z.object({ taskId: z.string(), status: z.literal('reserved') }),
    update: choosePlacementUpdate,
    args: async ({ body }, actor, t) => {
      const facility = await ctx.db.prisma.supportFacility.findUnique({ where: { id: body.facilityId } });
      if (!facility?.active || (facility.province !== t.scope.province && !facility.national)) {
        throw new Problem(400, 'invalid-request', `facilityId: "${body.facilityId}" is not an active facility of ${t.scope.province} or a national one`, [
          { path: 'facilityId', message: "must be an active facility of the case's province, or a national one" },
        ]);
      }
      return { taskId: t.taskId, ...actor, facilityId: body.facilityId };
    },
  });
}
