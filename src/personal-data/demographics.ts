/**
 * The demographic facts that figures are disaggregated by, derived in memory from a person's
 * decrypted details: sex, age group, child or adult. Nothing else of the details leaves this
 * module, and these facts leave the reports only as counts (src/reports/disaggregation.ts).
 *
 * Age is the age at the case's reference moment (when the health department was notified and
 * opened the case), not today: a figure for 2025 does not change as people grow older.
 *
 * Age groups: 0–11, 12–15, 16–17 (children: Vietnam's Law on Children counts under 16, the UN
 * Convention on the Rights of the Child and the Palermo Protocol under 18, so both boundaries are
 * kept), 18–24 (young adults), 25–39, 40–59, 60+ (older persons under Vietnam's Law on the
 * Elderly). A child is under 18. Missing or impossible data is its own category, `unknown`.
 */
import { z } from 'zod';
import type { PersonalDataStore } from './store';
import { Sex, type PersonalData } from './schema';

export const AgeGroup = z.enum(['0-11', '12-15', '16-17', '18-24', '25-39', '40-59', '60+', 'unknown']);
export type AgeGroup = z.infer<typeof AgeGroup>;
export const ChildOrAdult = z.enum(['child', 'adult', 'unknown']);
export type ChildOrAdult = z.infer<typeof ChildOrAdult>;
type Sex = z.infer<typeof Sex>;

export interface Demographics {
  sex: Sex;
  ageGroup: AgeGroup;
  childOrAdult: ChildOrAdult;
}

export const UNKNOWN_DEMOGRAPHICS: Demographics = { sex: 'unknown', ageGroup: 'unknown', childOrAdult: 'unknown' };

/** Lower bounds of the age groups, oldest first. */
const GROUP_FLOORS: [number, AgeGroup][] = [
  [60, '60+'],
  [40, '40-59'],
  [25, '25-39'],
  [18, '18-24'],
  [16, '16-17'],
  [12, '12-15'],
  [0, '0-11'],
];

/** The calendar day in Vietnam (UTC+7, no daylight saving) of a moment, "YYYY-MM-DD". */
export const vietnamDay = (at: Date) => new Date(at.getTime() + 7 * 3_600_000).toISOString().slice(0, 10);

/** Whole years from `dateOfBirth` to `day` (both "YYYY-MM-DD"); null when born after `day`. */
export function ageOn(dateOfBirth: string, day: string): number | null {
  if (dateOfBirth > day) return null;
  const years = Number(day.slice(0, 4)) - Number(dateOfBirth.slice(0, 4));
  // Not yet had this year's birthday (someone born on 29 February has it on 1 March in other years).
  return day.slice(5) < dateOfBirth.slice(5) ? years - 1 : years;
}

export function ageGroupOf(age: number | null): AgeGroup {
  if (age === null) return 'unknown';
  return GROUP_FLOORS.find(([floor]) => age >= floor)![1];
}

/**
 * A person's demographics at `at`. Without a date of birth, a person recorded with the
 * vulnerability "child" (for example assessed as a minor without documents) counts as a child
 * of unknown age group.
 */
export function demographicsOf(data: PersonalData | null, at: Date): Demographics {
  if (!data) return UNKNOWN_DEMOGRAPHICS;
  const age = data.dateOfBirth ? ageOn(data.dateOfBirth, vietnamDay(at)) : null;
  const childOrAdult: ChildOrAdult = age !== null ? (age < 18 ? 'child' : 'adult') : data.vulnerabilities?.includes('child') ? 'child' : 'unknown';
  return { sex: data.sex ?? 'unknown', ageGroup: ageGroupOf(age), childOrAdult };
}

/**
 * The demographics of each case at its reference moment, decrypting every record in memory and
 * keeping only the three facts. A case without personal data on file is unknown on all three; a
 * record that does not decrypt (a key removed too early) too, and is counted in `undecryptable`.
 */
export async function caseDemographics(store: PersonalDataStore, cases: readonly { code: string; at: Date }[]): Promise<{ demographics: Map<string, Demographics>; undecryptable: number }> {
  const { found, undecryptable } = await store.readMany(cases.map((c) => c.code));
  const demographics = new Map<string, Demographics>();
  for (const c of cases) {
    const data = found.get(c.code);
    demographics.set(c.code, data === undefined ? UNKNOWN_DEMOGRAPHICS : demographicsOf(data, c.at));
  }
  return { demographics, undecryptable: undecryptable.size };
}
