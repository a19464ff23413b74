/**
 * The directory, for administrators: agencies, their staff, and support facilities with their
 * places. Staff contact details are staff data, not victim data. Every change is audited.
 */
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AgencyKind } from '../../domain/agencies';
import { ProvinceCode } from '../../domain/provinces';
import { StaffRole } from '../../domain/staff';
import { auditAfter, type ApiContext } from '../context';
import { Problem } from '../problems';

const Id = z.string().regex(/^[a-z0-9][a-z0-9-]{1,63}$/, 'lower-case letters, digits and "-", e.g. "dn-health"');
/**
 * A person's or organisation's name: letters (any script, with Vietnamese diacritics), digits,
 * spaces and the punctuation real names use. Markup, braces and the like are typos or probes, and
 * these names end up in emails and SMS.
 */
const Name = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .regex(/^\p{L}[\p{L}\p{M}\d .,'’&()/-]*$/u, 'a name: letters (with diacritics), digits, spaces and . , \' ’ & ( ) / -, starting with a letter');
const Time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time such as "21:00"');

const AgencyBody = z.strictObject({ id: Id, province: ProvinceCode, kind: AgencyKind, nameVi: Name, nameEn: Name });
const AgencyPatch = z.strictObject({ nameVi: Name.optional(), nameEn: Name.optional() });
const AgencyView = z.object({ id: z.string(), province: z.string(), kind: z.string(), nameVi: z.string(), nameEn: z.string() });

const StaffBody = z.strictObject({
  id: Id,
  agencyId: Id,
  name: Name,
  email: z.email().max(200).optional(),
  phone: z.string().regex(/^\+[1-9]\d{6,14}$/, 'E.164, e.g. "+84901234567"').optional(),
  language: z.enum(['vi', 'en']).default('vi'),
  role: StaffRole,
  supervisorId: Id.optional(),
});
const StaffPatch = z.strictObject({
  name: Name.optional(),
  email: z.email().max(200).nullable().optional(),
  phone: z.string().regex(/^\+[1-9]\d{6,14}$/, 'E.164, e.g. "+84901234567"').nullable().optional(),
  language: z.enum(['vi', 'en']).optional(),
  role: StaffRole.optional(),
  supervisorId: Id.nullable().optional(),
  active: z.boolean().optional(),
  quietHoursStart: Time.nullable().optional(),
  quietHoursEnd: Time.nullable().optional(),
});
const StaffView = z.object({
  id: z.string(),
  agencyId: z.string(),
  name: z.string(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  language: z.string(),
  role: z.string(),
  supervisorId: z.string().nullable(),
  active: z.boolean(),
});

const FacilityBody = z
  .strictObject({
    id: Id,
    province: ProvinceCode,
    agencyId: Id.optional(),
    nameVi: Name,
    nameEn: Name,
    ownership: z.enum(['public', 'private']),
    dedicated: z.boolean().default(false).describe('Receives victims and gives comprehensive services'),
    national: z.boolean().default(false).describe("Run at national level: takes people of every province when their own has no free place"),
    capacity: z.number().int().min(0).max(10_000),
    occupied: z.number().int().min(0).max(10_000).default(0),
  })
  .refine((f) => f.occupied <= f.capacity, { path: ['occupied'], message: 'cannot exceed capacity' });
const FacilityPatch = z.strictObject({
  nameVi: Name.optional(),
  nameEn: Name.optional(),
  dedicated: z.boolean().optional(),
  national: z.boolean().optional(),
  capacity: z.number().int().min(0).max(10_000).optional(),
  occupied: z.number().int().min(0).max(10_000).optional(),
  active: z.boolean().optional(),
});
const FacilityView = z.object({
  id: z.string(),
  province: z.string(),
  agencyId: z.string().nullable(),
  nameVi: z.string(),
  nameEn: z.string(),
  ownership: z.string(),
  dedicated: z.boolean(),
  national: z.boolean(),
  capacity: z.number().int(),
  occupied: z.number().int().describe('Places taken, reservations of placement tasks included'),
  available: z.number().int(),
  active: z.boolean(),
});

const ProvinceFilter = z.strictObject({ province: ProvinceCode.optional() });
const IdParams = z.strictObject({ id: Id });

const staffView = (s: z.infer<typeof StaffView> & Record<string, unknown>) => StaffView.parse(s);
const facilityView = (f: Omit<z.infer<typeof FacilityView>, 'available'>) => ({ ...FacilityView.omit({ available: true }).parse(f), available: Math.max(0, f.capacity - f.occupied) });

const tag = 'Directory (admin)';

export function directoryRoutes(ctx: ApiContext) {
  listAgencies(ctx);
  createAgency(ctx);
  updateAgency(ctx);
  listStaff(ctx);
  createStaff(ctx);
  updateStaff(ctx);
  listFacilities(ctx);
  createFacility(ctx);
  updateFacility(ctx);
}

const changed = (ctx: ApiContext, request: FastifyRequest, action: string, target: string) => auditAfter(ctx, request, { action, outcome: 'ok', target });
const notFound = (what: string) => new Problem(404, 'not-found', `no ${what}`);

/** A create that fails on a taken id is a 409. */
async function createNew<T>(create: Promise<T>, what: string): Promise<T> {
  return create.catch((e: unknown) => {
    throw (e as { code?: string }).code === 'P2002' ? new Problem(409, 'conflict', `${what} already exists`) : e;
  });
}

async function assertAgencyRef(ctx: ApiContext, agencyId: string) {
  if (!(await ctx.db.prisma.agency.findUnique({ where: { id: agencyId } }))) {
    throw new Problem(400, 'invalid-request', `agencyId: no agency "${agencyId}"`, [{ path: 'agencyId', message: 'unknown agency' }]);
  }
}

async function assertSupervisorRef(ctx: ApiContext, supervisorId: string | null | undefined) {
  if (supervisorId && !(await ctx.db.prisma.staffMember.findUnique({ where: { id: supervisorId } }))) {
    throw new Problem(400, 'invalid-request', `supervisorId: no staff member "${supervisorId}"`, [{ path: 'supervisorId', message: 'unknown staff member' }]);
  }
}

function listAgencies(ctx: ApiContext) {
  ctx.routes.add(
    { method: 'GET', url: '/directory/agencies', operationId: 'listAgencies', tag, summary: 'Agencies', access: 'directory.read', query: ProvinceFilter, responses: { 200: { description: 'Agencies', schema: z.object({ items: z.array(AgencyView) }) } } },
    async ({ query }) => ({ items: await ctx.db.prisma.agency.findMany({ where: query.province ? { province: query.province } : {}, orderBy: { id: 'asc' }, select: { id: true, province: true, kind: true, nameVi: true, nameEn: true } }) }),
  );
}

function createAgency(ctx: ApiContext) {
  ctx.routes.add(
    { method: 'POST', url: '/directory/agencies', operationId: 'createAgency', tag, summary: 'Add an agency', access: 'directory.write', body: AgencyBody, responses: { 201: { description: 'Created', schema: AgencyView }, 409: { description: 'The id is taken' } } },
    async ({ request, reply, body }) => {
      const created = await createNew(ctx.db.prisma.agency.create({ data: body }), `agency ${body.id}`);
      await changed(ctx, request, 'directory.agency.create', body.id);
      return reply.code(201).send(AgencyView.parse(created));
    },
  );
}

function updateAgency(ctx: ApiContext) {
  ctx.routes.add(
    { method: 'PATCH', url: '/directory/agencies/:id', operationId: 'updateAgency', tag, summary: 'Rename an agency', access: 'directory.write', params: IdParams, body: AgencyPatch, responses: { 200: { description: 'Updated', schema: AgencyView } } },
    async ({ request, params, body }) => {
      const { prisma } = ctx.db;
      if (!(await prisma.agency.findUnique({ where: { id: params.id } }))) throw notFound(`agency ${params.id}`);
      const updated = await prisma.agency.update({ where: { id: params.id }, data: body });
      await changed(ctx, request, 'directory.agency.update', params.id);
      return AgencyView.parse(updated);
    },
  );
}

function listStaff(ctx: ApiContext) {
  ctx.routes.add(
    {
      method: 'GET',
      url: '/directory/staff',
      operationId: 'listStaff',
      tag,
      summary: 'Staff, by agency or province',
      access: 'directory.read',
      query: z.strictObject({ agencyId: Id.optional(), province: ProvinceCode.optional() }),
      responses: { 200: { description: 'Staff', schema: z.object({ items: z.array(StaffView) }) } },
    },
    async ({ query }) => {
      const rows = await ctx.db.prisma.staffMember.findMany({
        where: { ...(query.agencyId ? { agencyId: query.agencyId } : {}), ...(query.province ? { agency: { province: query.province } } : {}) },
        orderBy: { id: 'asc' },
      });
      return { items: rows.map(staffView) };
    },
  );
}

function createStaff(ctx: ApiContext) {
  ctx.routes.add(
    { method: 'POST', url: '/directory/staff', operationId: 'createStaff', tag, summary: 'Add a staff member', access: 'directory.write', body: StaffBody, responses: { 201: { description: 'Created', schema: StaffView }, 409: { description: 'The id is taken' } } },
    async ({ request, reply, body }) => {
      await assertAgencyRef(ctx, body.agencyId);
      await assertSupervisorRef(ctx, body.supervisorId);
      const created = await createNew(ctx.db.prisma.staffMember.create({ data: body }), `staff member ${body.id}`);
      await changed(ctx, request, 'directory.staff.create', body.id);
      return reply.code(201).send(staffView(created));
    },
  );
}

function updateStaff(ctx: ApiContext) {
  ctx.routes.add(
    { method: 'PATCH', url: '/directory/staff/:id', operationId: 'updateStaff', tag, summary: 'Change or deactivate a staff member', access: 'directory.write', params: IdParams, body: StaffPatch, responses: { 200: { description: 'Updated', schema: StaffView } } },
    async ({ request, params, body }) => {
      const { prisma } = ctx.db;
      if (!(await prisma.staffMember.findUnique({ where: { id: params.id } }))) throw notFound(`staff member ${params.id}`);
      await assertSupervisorRef(ctx, body.supervisorId);
      const updated = await prisma.staffMember.update({ where: { id: params.id }, data: body });
      await changed(ctx, request, 'directory.staff.update', params.id);
      return staffView(updated);
    },
  );
}

function listFacilities(ctx: ApiContext) {
  ctx.routes.add(
    { method: 'GET', url: '/directory/facilities', operationId: 'listFacilities', tag, summary: 'Support facilities with capacity and free places', access: 'directory.read', query: ProvinceFilter, responses: { 200: { description: 'Facilities', schema: z.object({ items: z.array(FacilityView) }) } } },
    async ({ query }) => ({ items: (await ctx.db.prisma.supportFacility.findMany({ where: query.province ? { province: query.province } : {}, orderBy: { id: 'asc' } })).map(facilityView) }),
  );
}

function createFacility(ctx: ApiContext) {
  ctx.routes.add(
    { method: 'POST', url: '/directory/facilities', operationId: 'createFacility', tag, summary: 'Add a support facility', access: 'directory.write', body: FacilityBody, responses: { 201: { description: 'Created', schema: FacilityView }, 409: { description: 'The id is taken' } } },
    async ({ request, reply, body }) => {
      if (body.agencyId) await assertAgencyRef(ctx, body.agencyId);
      const created = await createNew(ctx.db.prisma.supportFacility.create({ data: body }), `facility ${body.id}`);
      await changed(ctx, request, 'directory.facility.create', body.id);
      return reply.code(201).send(facilityView(created));
    },
  );
}

function updateFacility(ctx: ApiContext) {
  ctx.routes.add(
    { method: 'PATCH', url: '/directory/facilities/:id', operationId: 'updateFacility', tag, summary: 'Update capacity, occupancy or names', access: 'directory.write', params: IdParams, body: FacilityPatch, responses: { 200: { description: 'Updated', schema: FacilityView } } },
    async ({ request, params, body }) => {
      const { prisma } = ctx.db;
      const current = await prisma.supportFacility.findUnique({ where: { id: params.id } });
      if (!current) throw notFound(`facility ${params.id}`);
      if ((body.occupied ?? current.occupied) > (body.capacity ?? current.capacity)) {
        throw new Problem(400, 'invalid-request', 'occupied: cannot exceed capacity', [{ path: 'occupied', message: 'cannot exceed capacity' }]);
      }
      const updated = await prisma.supportFacility.update({ where: { id: params.id }, data: body });
      await changed(ctx, request, 'directory.facility.update', params.id);
      return facilityView(updated);
    },
  );
}
