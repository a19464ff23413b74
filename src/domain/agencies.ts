import { z } from 'zod';

/**
 * The kinds of organisation that act in a journey (DOMAIN.md, "Who acts"). Policies assign
 * tasks to a kind; the directory resolves the kind to the agency of the case's province.
 */
export const AgencyKind = z.enum([
  'health_dept',
  'commune_committee',
  'police',
  'border_guard',
  'shelter',
  'ngo',
  'health_facility',
  'legal_aid',
]);
export type AgencyKind = z.infer<typeof AgencyKind>;
