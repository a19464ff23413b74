/**
 * A person's details. They reach the API, are encrypted, and go only to the database: never to
 * Temporal (the workflow input and history stay pseudonymous), never to logs, never to a
 * notification. Its field names are also in the logger's redaction list (src/logger.ts, tested) as a
 * second line of defence.
 */
import { z } from 'zod';

export const Sex = z.enum(['female', 'male', 'other', 'unknown']);
export const Vulnerability = z.enum([
  'child',
  'pregnant',
  'disability',
  'chronic_illness',
  'mental_health',
  'substance_use',
  'no_documents',
  'language_barrier',
  'other',
]);

const Text = (max: number) => z.string().trim().min(1).max(max);

export const PersonalData = z.strictObject({
  fullName: Text(200),
  otherNames: z.array(Text(200)).max(10).optional(),
  dateOfBirth: z.iso
    .date('a date such as "2004-05-17"')
    .refine((d) => d >= '1900-01-01' && d <= new Date().toISOString().slice(0, 10), 'must be between 1900-01-01 and today')
    .optional(),
  sex: Sex.optional(),
  /** ISO 3166-1 alpha-2, e.g. "VN". */
  nationality: z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 code such as "VN"').optional(),
  contact: z
    .strictObject({
      phone: z.string().regex(/^\+?[0-9 ()-]{6,20}$/, 'a phone number such as "+84 90 123 4567"').optional(),
      email: z.email().max(200).optional(),
      address: Text(500).optional(),
      /** How and when it is safe to make contact. */
      safeContactNote: Text(500).optional(),
    })
    .optional(),
  /** BCP 47 language tags, e.g. ["vi", "km"]. */
  languages: z.array(z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'a language tag such as "vi"')).max(10).optional(),
  vulnerabilities: z.array(Vulnerability).max(20).optional(),
});
export type PersonalData = z.infer<typeof PersonalData>;
