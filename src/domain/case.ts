import { z } from 'zod';

/** Why a journey ended (DOMAIN.md, step 9). */
export const ClosureReason = z.enum([
  'reintegrated',
  'transferred',
  'not_a_victim',
  'consent_withdrawn',
  'lost_contact',
  'deceased',
]);
export type ClosureReason = z.infer<typeof ClosureReason>;

/** A case code names a journey in every message; it must never encode who the person is. */
export const CaseCode = z
  .string()
  .regex(/^[A-Z0-9][A-Z0-9-]{2,39}$/, '3–40 upper-case letters, digits or "-", e.g. "DN-2026-0001"');
