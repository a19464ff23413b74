import { z } from 'zod';

/** Why a journey ended (DOMAIN.md, step 9). */
export const ClosureReason = z.enum([
  'reintegrated',
  'transferred',
  'not_a_victim',
  'consent_withdrawn',
  'lost_contact',
  'deceased',
  /** Not identified as a victim, and referred to other services (HTCDS "ClosedReferred"). */
  'closed_referred',
]);
export type ClosureReason = z.infer<typeof ClosureReason>;

/** A case code names a journey in every message; it must never encode who the person is. */
export const CaseCode = z
  .string()
  .regex(/^[A-Z0-9][A-Z0-9-]{2,39}$/, '3–40 upper-case letters, digits or "-", e.g. "DN-2026-0001"');

/** Who notified the provincial health department of the person (DOMAIN.md, step 1). */
export const IntakeSource = z.enum([
  'commune_committee',
  'police',
  'border_guard',
  'coast_guard',
  'returned_from_abroad',
  'self_report',
  'hotline',
]);
export type IntakeSource = z.infer<typeof IntakeSource>;

/**
 * Pseudonymous facts about a case that the policy's conditions read (a child's case opens
 * child-specific tasks; a border-guard hand-over opens its own first task). Never personal data:
 * they travel in the workflow input and history.
 */
export const CaseFacts = z.strictObject({
  /** When the health department was notified: Art. 27's 3 days count from here. */
  notifiedAt: z.iso.datetime().optional(),
  notifiedBy: IntakeSource.optional(),
  child: z.boolean().optional(),
  /** Cases of one family (accompanying children, relatives) share this id; it names no one. */
  familyId: z.string().regex(/^[A-Z0-9][A-Z0-9-]{2,39}$/).optional(),
});
export type CaseFacts = z.infer<typeof CaseFacts>;
