/**
 * A staff member's preferences (language, preferred channel) and absence (from, until, reason
 * code, deputy): their own under /me, and anyone's of an agency under /directory/staff/{id} for
 * that agency's focal points and supervisors and its province's managers. Bad input changes
 * nothing; every change commits in one transaction with its audit row.
 */
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { decide } from '../../auth/matrix';
import type { StaffMember } from '../../db/client';
import { coverFor } from '../../db/staff-cover';
import { isAbsent } from '../../domain/absence';
import { AbsenceReason, PreferredChannel, StaffLanguage } from '../../domain/staff';
import type { AuditEntry } from '../../audit/audit-log';
import { auditAfter, auditContextOf, type ApiContext } from '../context';
import { Problem } from '../problems';

/** An absence longer than this is a departure: deactivate the person in the directory instead. */
const MAX_ABSENCE_MS = 366 * 86_400_000;

const Id = z.string().regex(/^[a-z0-9][a-z0-9_-]{1,63}$/, 'a staff id such as "dn-health-caseworker-1"');
const IdParams = z.strictObject({ id: Id });
const Instant = z.iso.datetime({ offset: true });

const PreferencesBody = z
  .strictObject({
    language: StaffLanguage.optional().describe('The language of messages and pages'),
    preferredChannel: PreferredChannel.nullable().optional().describe('email, sms or both; null: the channels each escalation step names'),
  })
  .refine((b) => b.language !== undefined || b.preferredChannel !== undefined, { message: 'give language or preferredChannel', path: [] });

const AbsenceBody = z.strictObject({
  from: Instant.optional().describe('Start of the absence (default: now)'),
  until: Instant.describe('End of the absence (exclusive); in the future, after from, at most 366 days later'),
  reason: AbsenceReason.describe('A code, never free text'),
  deputyId: Id.describe('An active colleague of the same agency, not the person themself'),
});

const PreferencesView = z.object({
  staffId: z.string(),
  agencyId: z.string(),
  language: z.string(),
  preferredChannel: PreferredChannel.nullable(),
  absence: z
    .object({ from: z.string(), until: z.string(), reason: z.string(), deputyId: z.string().nullable() })
    .nullable()
    .describe('The current or next absence; null when none is set or it has ended'),
  absentNow: z.boolean(),
  coveredBy: z
    .object({ staffId: z.string(), by: z.enum(['deputy', 'supervisor']) })
    .nullable()
    .describe('Who receives this person’s notifications now, while they are away'),
});
type PreferencesView = z.infer<typeof PreferencesView>;

const OWN_TAG = 'Staff preferences';
const OWN = 'The caller’s own staff member: an API key or token naming one, or the task inbox’s session cookie (then with no Authorization header).';
const VIEW = { description: 'The preferences and absence', schema: PreferencesView };
const REFUSED = { description: 'The change is not possible (unknown deputy, another agency, a period in the past, …); nothing changed' };

export function staffPreferenceRoutes(ctx: ApiContext) {
  const own = (principal: { staffId: string | null }) => {
    if (!principal.staffId) throw new Problem(403, 'forbidden', 'this credential acts as no staff member / thông tin xác thực này không gắn với cán bộ nào');
    return principal.staffId;
  };
  const ownStaff = async (staffId: string) => {
    const staff = await ctx.db.prisma.staffMember.findUnique({ where: { id: staffId } });
    if (!staff?.active) throw new Problem(403, 'forbidden', 'the staff member of this credential is not active / cán bộ không còn hoạt động');
    return staff;
  };

  ctx.routes.add(
    { method: 'GET', url: '/me/preferences', operationId: 'getMyPreferences', tag: OWN_TAG, description: OWN, summary: 'My language, preferred channel and absence', access: 'staff-preferences.own', responses: { 200: VIEW } },
    async ({ principal }) => view(ctx, await ownStaff(own(principal))),
  );
  ctx.routes.add(
    { method: 'PUT', url: '/me/preferences', operationId: 'updateMyPreferences', tag: OWN_TAG, description: OWN, summary: 'Change my language or preferred channel', access: 'staff-preferences.own', body: PreferencesBody, responses: { 200: VIEW } },
    async ({ request, principal, body }) => updatePreferences(ctx, request, await ownStaff(own(principal)), body),
  );
  ctx.routes.add(
    {
      method: 'PUT',
      url: '/me/absence',
      operationId: 'setMyAbsence',
      tag: OWN_TAG,
      description: OWN,
      summary: 'Set my absence and deputy: meanwhile my notifications go to the deputy, who may act on my tasks',
      access: 'staff-preferences.own',
      body: AbsenceBody,
      responses: { 200: VIEW, 422: REFUSED },
    },
    async ({ request, principal, body }) => setAbsence(ctx, request, await ownStaff(own(principal)), body),
  );
  ctx.routes.add(
    { method: 'DELETE', url: '/me/absence', operationId: 'endMyAbsence', tag: OWN_TAG, description: OWN, summary: 'End or cancel my absence: my notifications come back to me', access: 'staff-preferences.own', responses: { 204: { description: 'No absence now' } } },
    async ({ request, reply, principal }) => {
      await endAbsence(ctx, request, await ownStaff(own(principal)));
      return reply.code(204).send();
    },
  );

  const managed = async (request: FastifyRequest, id: string) => {
    const staff = await ctx.db.prisma.staffMember.findUnique({ where: { id }, include: { agency: true } });
    const leads = staff ? await ctx.db.prisma.staffMember.findMany({ where: { agencyId: staff.agencyId, active: true, role: { in: ['focal_point', 'supervisor'] } }, select: { id: true } }) : [];
    const decision = staff ? decide(request.principal!, 'staff-preferences.manage', { provinces: [staff.agency.province], agencyIds: [staff.agencyId], leadStaffIds: leads.map((l) => l.id) }) : 'out-of-scope';
    if (decision === 'allow') return staff!;
    // Someone outside the agency or province learns nothing, not even that the id exists.
    if (staff) void auditAfter(ctx, request, { action: 'access.denied', outcome: 'denied', target: id, detail: { permission: 'staff-preferences.manage' } });
    throw new Problem(404, 'not-found', `no staff member ${id} / không có cán bộ ${id}`);
  };
  const MANAGED_TAG = 'Staff preferences';
  ctx.routes.add(
    { method: 'GET', url: '/directory/staff/:id/preferences', operationId: 'getStaffPreferences', tag: MANAGED_TAG, summary: 'A staff member’s language, preferred channel and absence', access: 'staff-preferences.manage', params: IdParams, responses: { 200: VIEW } },
    async ({ request, params }) => view(ctx, await managed(request, params.id)),
  );
  ctx.routes.add(
    { method: 'PUT', url: '/directory/staff/:id/preferences', operationId: 'updateStaffPreferences', tag: MANAGED_TAG, summary: 'Change a staff member’s language or preferred channel', access: 'staff-preferences.manage', params: IdParams, body: PreferencesBody, responses: { 200: VIEW } },
    async ({ request, params, body }) => updatePreferences(ctx, request, await managed(request, params.id), body),
  );
  ctx.routes.add(
    {
      method: 'PUT',
      url: '/directory/staff/:id/absence',
      operationId: 'setStaffAbsence',
      tag: MANAGED_TAG,
      summary: 'Set a staff member’s absence and deputy (someone off sick who cannot do it themself)',
      access: 'staff-preferences.manage',
      params: IdParams,
      body: AbsenceBody,
      responses: { 200: VIEW, 422: REFUSED },
    },
    async ({ request, params, body }) => setAbsence(ctx, request, await managed(request, params.id), body),
  );
  ctx.routes.add(
    { method: 'DELETE', url: '/directory/staff/:id/absence', operationId: 'endStaffAbsence', tag: MANAGED_TAG, summary: 'End or cancel a staff member’s absence', access: 'staff-preferences.manage', params: IdParams, responses: { 204: { description: 'No absence now' } } },
    async ({ request, reply, params }) => {
      await endAbsence(ctx, request, await managed(request, params.id));
      return reply.code(204).send();
    },
  );
}

async function view(ctx: ApiContext, staff: StaffMember): Promise<PreferencesView> {
  const now = ctx.now();
  const set = staff.absentFrom && staff.absentUntil && staff.absentUntil > now;
  const absentNow = isAbsent(staff, now);
  const cover = absentNow ? await coverFor(ctx.db.prisma, staff, now) : null;
  return {
    staffId: staff.id,
    agencyId: staff.agencyId,
    language: staff.language,
    preferredChannel: PreferredChannel.nullable().catch(null).parse(staff.preferredChannel),
    absence: set ? { from: staff.absentFrom!.toISOString(), until: staff.absentUntil!.toISOString(), reason: staff.absenceReason ?? 'other', deputyId: staff.deputyId } : null,
    absentNow,
    coveredBy: cover && cover.by !== 'self' ? { staffId: cover.cover.id, by: cover.by } : null,
  };
}

/** The update and its audit row in one transaction: no change goes unrecorded. */
async function auditedUpdate(ctx: ApiContext, request: FastifyRequest, staffId: string, data: Partial<StaffMember>, entry: AuditEntry): Promise<StaffMember> {
  return ctx.db.prisma.$transaction(async (tx) => {
    const updated = await tx.staffMember.update({ where: { id: staffId }, data });
    await ctx.audit.withClient(tx).append(auditContextOf(request), entry);
    return updated;
  });
}

async function updatePreferences(ctx: ApiContext, request: FastifyRequest, staff: StaffMember, body: z.infer<typeof PreferencesBody>) {
  const data = { ...(body.language ? { language: body.language } : {}), ...(body.preferredChannel !== undefined ? { preferredChannel: body.preferredChannel } : {}) };
  const updated = await auditedUpdate(ctx, request, staff.id, data, { action: 'staff.preferences.update', outcome: 'ok', target: staff.id, detail: data });
  return view(ctx, updated);
}

const refused = (path: string, en: string, vi: string) => new Problem(422, 'invalid-request', `${path}: ${en} / ${vi}`, [{ path, message: en }]);

async function setAbsence(ctx: ApiContext, request: FastifyRequest, staff: StaffMember, body: z.infer<typeof AbsenceBody>) {
  const now = ctx.now();
  const from = body.from ? new Date(body.from) : now;
  const until = new Date(body.until);
  if (until <= from) throw refused('until', 'must be after from', 'phải sau thời điểm bắt đầu');
  if (until <= now) throw refused('until', 'the absence period is already over', 'thời gian vắng mặt đã qua');
  if (until.getTime() - from.getTime() > MAX_ABSENCE_MS) throw refused('until', 'an absence lasts at most 366 days; deactivate someone who left', 'vắng mặt tối đa 366 ngày');
  if (body.deputyId === staff.id) throw refused('deputyId', 'a person cannot be their own deputy', 'không thể tự làm người thay thế cho mình');
  const deputy = await ctx.db.prisma.staffMember.findUnique({ where: { id: body.deputyId } });
  if (!deputy) throw refused('deputyId', `no staff member ${body.deputyId}`, `không có cán bộ ${body.deputyId}`);
  if (!deputy.active) throw refused('deputyId', `${body.deputyId} is not active`, `${body.deputyId} không còn hoạt động`);
  // Acting on the person's tasks needs the rights of their agency (the matrix's agency scope).
  if (deputy.agencyId !== staff.agencyId) throw refused('deputyId', `the deputy must be of the same agency (${staff.agencyId})`, `người thay thế phải cùng cơ quan (${staff.agencyId})`);
  const data = { absentFrom: from, absentUntil: until, absenceReason: body.reason, deputyId: deputy.id };
  const updated = await auditedUpdate(ctx, request, staff.id, data, {
    action: 'staff.absence.set',
    outcome: 'ok',
    target: staff.id,
    detail: { from: from.toISOString(), until: until.toISOString(), reason: body.reason, deputyId: deputy.id },
  });
  return view(ctx, updated);
}

async function endAbsence(ctx: ApiContext, request: FastifyRequest, staff: StaffMember) {
  const data = { absentFrom: null, absentUntil: null, absenceReason: null, deputyId: null };
  await auditedUpdate(ctx, request, staff.id, data, { action: 'staff.absence.end', outcome: 'ok', target: staff.id, detail: { wasAbsent: isAbsent(staff, ctx.now()) } });
}
