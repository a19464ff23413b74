/**
 * A family opened together: accompanying children and relatives are cases of their own (each with
 * its code, personal data and facts), linked by a family id they share. Every member is checked
 * before any journey starts, so a bad member opens none; each member then starts as POST /cases
 * starts one case (case-start.ts), so a retry of the whole request replays what started and
 * completes what did not.
 */
import { createHmac } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { IntakeSource } from '../domain/case';
import { PersonalData } from '../personal-data/schema';
import { canonicalJson } from '../policy/digest';
import { OpenCase } from '../journey/definitions';
import { assertNoJourney, fingerprintOf, IntakeFacts, NotifiedAt, priorRequest, startIdempotently, type StartMember } from './case-start';
import type { ApiContext } from './context';
import { CaseStarted } from './schemas';

export const MAX_FAMILY_MEMBERS = 20;

const FamilyMember = z.strictObject({
  caseCode: OpenCase.shape.caseCode,
  ...IntakeFacts,
  personalData: PersonalData.optional().describe('This member’s details: encrypted at rest, never sent to the workflow engine'),
});

export const StartFamily = z.strictObject({
  province: OpenCase.shape.province,
  leadAgencyId: OpenCase.shape.leadAgencyId,
  notifiedAt: NotifiedAt.optional().describe('For every member that gives none: when the health department was notified of the family'),
  notifiedBy: IntakeSource.optional().describe('For every member that gives none: who notified the health department'),
  members: z
    .array(FamilyMember)
    .min(2, 'a family opened together has at least 2 members; open one person with POST /cases')
    .max(MAX_FAMILY_MEMBERS)
    .superRefine((members, ctx) => {
      const seen = new Set<string>();
      members.forEach((m, i) => {
        if (seen.has(m.caseCode)) ctx.addIssue({ code: 'custom', path: [i, 'caseCode'], message: `case code ${m.caseCode} is given twice` });
        seen.add(m.caseCode);
      });
    }),
});
export type StartFamily = z.infer<typeof StartFamily>;

export const FamilyStarted = z.object({
  familyId: z.string().describe('Shared by the cases of this family; names no one'),
  cases: z.array(CaseStarted),
});

/**
 * The family id: an HMAC of the request, so a retry of the same request finds the same family (and
 * each member's recorded start), while the id tells nothing of what the request said.
 */
export function familyIdOf(ctx: ApiContext, body: StartFamily): string {
  const mac = createHmac('sha256', ctx.security.requestHashKey).update(`family:${canonicalJson(body)}`).digest('hex');
  return `FAM-${mac.slice(0, 20).toUpperCase()}`;
}

/** Each member as a start of one case, with the family's notification where the member gives none. */
export function membersOf(body: StartFamily, familyId: string): StartMember[] {
  return body.members.map((m) => {
    const notifiedAt = m.notifiedAt ?? body.notifiedAt;
    const notifiedBy = m.notifiedBy ?? body.notifiedBy;
    return {
      caseCode: m.caseCode,
      province: body.province,
      leadAgencyId: body.leadAgencyId,
      ...(notifiedAt ? { notifiedAt } : {}),
      ...(notifiedBy ? { notifiedBy } : {}),
      ...(m.child !== undefined ? { child: m.child } : {}),
      ...(m.personalData ? { personalData: m.personalData } : {}),
      familyId,
    };
  });
}

/** A member's Idempotency-Key: the family's key and its place in the request. */
const memberKey = (key: string | undefined, index: number) => (key ? `${key}:${index + 1}` : undefined);

export async function startFamilyIdempotently(ctx: ApiContext, request: FastifyRequest, body: StartFamily, idempotencyKey: string | undefined, createdBy: string) {
  const familyId = familyIdOf(ctx, body);
  const members = membersOf(body, familyId);
  // All or nothing: a code taken by another case (or a key used for another request) is a 409 before any journey starts.
  for (const [i, member] of members.entries()) {
    const prior = await priorRequest(ctx, member, fingerprintOf(ctx, member), memberKey(idempotencyKey, i));
    if (!prior) await assertNoJourney(ctx, member.caseCode);
  }
  const started = [];
  for (const [i, member] of members.entries()) started.push(await startIdempotently(ctx, request, member, memberKey(idempotencyKey, i), createdBy));
  return { replayed: started.every((s) => s.replayed), body: { familyId, cases: started.map((s) => s.body) } satisfies z.infer<typeof FamilyStarted> };
}
