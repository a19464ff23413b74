/**
 * Who covers for a staff member at a given moment. An absent person's deputy covers; a deputy
 * who is away too passes on to their own deputy, at most MAX_DEPUTY_HOPS steps and never around a
 * loop (two colleagues may be each other's deputy); when that finds nobody present, the absent
 * person's supervisor covers, if present; failing that the person keeps their own messages, so a
 * task is never left with nobody told. Pure: the caller passes the clock and the directory lookup.
 */

export const MAX_DEPUTY_HOPS = 3;

export interface Coverable {
  id: string;
  active: boolean;
  supervisorId: string | null;
  deputyId: string | null;
  absentFrom: Date | null;
  absentUntil: Date | null;
}

export type CoverBy = 'self' | 'deputy' | 'supervisor';

/** Away at `at`: from is inclusive, until exclusive. */
export function isAbsent(s: Pick<Coverable, 'absentFrom' | 'absentUntil'>, at: Date): boolean {
  return !!s.absentFrom && !!s.absentUntil && s.absentFrom <= at && at < s.absentUntil;
}

const present = (s: Coverable | null, at: Date): boolean => !!s && s.active && !isAbsent(s, at);

export async function coverOf<T extends Coverable>(person: T, at: Date, find: (id: string) => Promise<T | null>): Promise<{ cover: T; by: CoverBy }> {
  if (!isAbsent(person, at)) return { cover: person, by: 'self' };
  const seen = new Set([person.id]);
  let current: T = person;
  for (let hop = 0; hop < MAX_DEPUTY_HOPS && current.deputyId && !seen.has(current.deputyId); hop++) {
    const next = await find(current.deputyId);
    if (!next?.active) break;
    if (present(next, at)) return { cover: next, by: 'deputy' };
    seen.add(next.id);
    current = next;
  }
  const supervisor = person.supervisorId ? await find(person.supervisorId) : null;
  if (present(supervisor, at)) return { cover: supervisor!, by: 'supervisor' };
  return { cover: person, by: 'self' };
}
