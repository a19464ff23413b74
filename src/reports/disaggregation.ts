/**
 * Figures disaggregated by sex, age group and child/adult (src/personal-data/demographics.ts):
 * a cross-tabulation of the dimensions asked for, per province and in total, counts only.
 *
 * Small cells are suppressed, because a count of 1 or 2 women aged 12–15 in a province and a
 * month can point at a person:
 *
 * 1. Primary: a cell with 1 to `minCellSize - 1` cases is shown as suppressed (null). Zero is shown.
 * 2. Complementary: the figures come with sums published elsewhere: each province's
 *    undisaggregated count, the total of all provinces, and the tables of fewer dimensions (the
 *    women of a province are the sum of its women of every age group). The tables of fewer
 *    dimensions are suppressed first, the same way. Then, in each province's row and the total
 *    row, a sum shown elsewhere may not have exactly one suppressed member (subtraction would give
 *    it), and a sum suppressed elsewhere may not have all its members shown (addition would give
 *    it); across the provinces, each cell and sum with the total's is such a shown sum. Where a
 *    sum breaks this, its smallest shown member (non-zero first) is suppressed too, until none does.
 * 3. One pattern per table: the dimensions are put in one order (sex, ageGroup, childOrAdult)
 *    whatever the request's; and a caller asking one province of a wider scope (a national
 *    manager) gets that province's row of the scope's table (`restrictTo`), so comparing the
 *    answers gives nothing away. (A provincial caller, who sees no other province, gets their
 *    province's own table.)
 * 4. Only whole calendar months, quarters or years (the routes refuse other periods with `by`), so
 *    two requests cannot differ by a day.
 *
 * Each measure (indicator) is a table of its own. Not covered (documented limits): relations
 * between measures, solving several sums together, and differencing between nested periods (a
 * quarter minus two of its months).
 */
import { z } from 'zod';
import { AgeGroup, caseDemographics, ChildOrAdult, type Demographics } from '../personal-data/demographics';
import { Sex } from '../personal-data/schema';
import type { PersonalDataStore } from '../personal-data/store';
import { ageReference, INDICATORS, type CaseHit, type Indicator } from './indicators';

export const Dimension = z.enum(['sex', 'ageGroup', 'childOrAdult']);
export type Dimension = z.infer<typeof Dimension>;

export const DIMENSION_VALUES: Record<Dimension, readonly string[]> = {
  sex: Sex.options,
  ageGroup: AgeGroup.options,
  childOrAdult: ChildOrAdult.options,
};

/** Default smallest count shown; INDICATOR_MIN_CELL_SIZE changes it. */
export const DEFAULT_MIN_CELL_SIZE = 5;

/** One cell: the value of each dimension asked for, and each measure's count (null: suppressed). */
export type Cell<M extends string> = Partial<Record<Dimension, string>> & Record<M, number | null>;

export interface DisaggregatedTable<M extends string> {
  by: Dimension[];
  minCellSize: number;
  rows: { province: string; cells: Cell<M>[] }[];
  total: { cells: Cell<M>[] };
}

/** A case that counts toward some measures in the period, with its province and demographics. */
export interface Hit<M extends string> {
  province: string;
  demographics: Demographics;
  measures: readonly M[];
}

export interface DisaggregationInput<M extends string> {
  by: readonly Dimension[];
  measures: readonly M[];
  minCellSize: number;
  /** Rows to show, in order (each of the hits' provinces must be one of them). */
  provinces: readonly string[];
  hits: readonly Hit<M>[];
}

/**
 * The hits with each case's demographics at `at`, decrypted in memory; the case codes are
 * dropped, so what comes out can only be counted.
 */
export async function withDemographics<M extends string>(store: PersonalDataStore, cases: readonly { code: string; province: string; at: Date; measures: readonly M[] }[]): Promise<{ hits: Hit<M>[]; undecryptable: number }> {
  const { demographics, undecryptable } = await caseDemographics(store, cases);
  return { hits: cases.map((c) => ({ province: c.province, demographics: demographics.get(c.code)!, measures: c.measures })), undecryptable };
}

/** The indicators of `cases` disaggregated, ages taken at each case's opening. */
export async function disaggregatedIndicators(store: PersonalDataStore, cases: readonly CaseHit[], opts: { by: readonly Dimension[]; provinces: readonly string[]; minCellSize: number }): Promise<{ table: DisaggregatedTable<Indicator>; undecryptable: number }> {
  const { hits, undecryptable } = await withDemographics(store, cases.map((c) => ({ code: c.code, province: c.province, at: ageReference(c), measures: c.indicators })));
  return { table: disaggregate({ ...opts, measures: INDICATORS, hits }), undecryptable };
}

export const canonical = (by: readonly Dimension[]) => Dimension.options.filter((d) => by.includes(d));

/** Every combination of the dimensions' values, in their order. */
export function combinations(by: readonly Dimension[]): Partial<Record<Dimension, string>>[] {
  return by.reduce<Partial<Record<Dimension, string>>[]>((acc, d) => acc.flatMap((c) => DIMENSION_VALUES[d].map((v) => ({ ...c, [d]: v }))), [{}]);
}

export function disaggregate<M extends string>(input: DisaggregationInput<M>): DisaggregatedTable<M> {
  // One order whatever the request's: the same table is always suppressed alike.
  const by = canonical(input.by);
  const combos = combinations(by);
  const keyOf = (d: Demographics) => combos.findIndex((c) => by.every((dim) => c[dim] === d[dim]));
  const rowOf = new Map(input.provinces.map((p, i) => [p, i]));
  const shown = new Map<M, (number | null)[][]>();
  for (const m of input.measures) {
    // counts[i][k]: province i (the last row is the total), combination k.
    const counts = Array.from({ length: input.provinces.length + 1 }, () => new Array<number>(combos.length).fill(0));
    for (const hit of input.hits) {
      if (!hit.measures.includes(m)) continue;
      const i = rowOf.get(hit.province);
      if (i === undefined) throw new Error(`province ${hit.province} is not a row of the table`);
      const k = keyOf(hit.demographics);
      counts[i]![k]!++;
      counts[input.provinces.length]![k]!++;
    }
    shown.set(m, suppress(by, counts, input.minCellSize));
  }
  const cellsOf = (i: number) => combos.map((c, k) => ({ ...c, ...Object.fromEntries(input.measures.map((m) => [m, shown.get(m)![i]![k]])) }) as Cell<M>);
  return {
    by,
    minCellSize: input.minCellSize,
    rows: input.provinces.map((province, i) => ({ province, cells: cellsOf(i) })),
    total: { cells: cellsOf(input.provinces.length) },
  };
}

/** For each combination of `dims` (a subset of `by`, in order), the columns of `by`'s table it sums. */
function groupsFor(by: readonly Dimension[], dims: readonly Dimension[]): number[][] {
  const combos = combinations(by);
  return combinations(dims).map((g) => combos.flatMap((c, k) => (dims.every((d) => c[d] === g[d]) ? [k] : [])));
}

/** Every subset of `by`, in `by`'s order, the empty one first. */
function subsets(by: readonly Dimension[]): Dimension[][] {
  return Array.from({ length: 1 << by.length }, (_, mask) => by.filter((_, i) => mask & (1 << i)));
}

interface Sum {
  members: [number, number][];
  /** Its total is shown somewhere (exactly one hidden member would give it away), or hidden (all members shown would). */
  total: 'shown' | 'hidden';
}

/**
 * Primary and complementary suppression of one measure's table: `counts[i][k]` for row i (the
 * provinces, the last row their total) and combination k of `by` (canonical order). The tables
 * of fewer dimensions are suppressed first, the same way: a sum they show may not have exactly
 * one hidden member here, a sum they hide not all its members shown. Returns null for hidden.
 */
export function suppress(by: readonly Dimension[], counts: number[][], minCellSize: number): (number | null)[][] {
  const hidden = counts.map((row) => row.map((n) => n > 0 && n < minCellSize));
  const rows = counts.map((_, i) => i);
  const sums: Sum[] = [];
  for (const dims of subsets(by)) {
    const groups = groupsFor(by, dims);
    if (dims.length < by.length) {
      // Within each row: the undisaggregated count is always shown; a lower table shows or hides its own.
      const lower = dims.length === 0 ? null : suppress(dims, counts.map((row) => groups.map((g) => g.reduce((n, k) => n + row[k]!, 0))), minCellSize);
      for (const i of rows) groups.forEach((g, j) => sums.push({ members: g.map((k) => [i, k]), total: !lower || lower[i]![j] !== null ? 'shown' : 'hidden' }));
    }
    // Across the rows: the provinces add up to the total.
    for (const g of groups) sums.push({ members: rows.flatMap((i) => g.map((k) => [i, k] as [number, number])), total: 'shown' });
  }
  const value = ([i, k]: [number, number]) => counts[i]![k]!;
  for (let changed = true; changed; ) {
    changed = false;
    for (const sum of sums) {
      const nHidden = sum.members.filter(([i, k]) => hidden[i]![k]).length;
      if (sum.total === 'shown' ? nHidden !== 1 : nHidden !== 0) continue;
      const candidates = sum.members.filter(([i, k]) => !hidden[i]![k]);
      // The smallest shown member, non-zero first (a zero beside a zero total protects nothing).
      const pick = smallest(candidates.filter((c) => value(c) > 0), counts) ?? smallest(candidates, counts);
      if (!pick) continue;
      hidden[pick[0]]![pick[1]] = true;
      changed = true;
    }
  }
  return counts.map((row, i) => row.map((n, k) => (hidden[i]![k] ? null : n)));
}

function smallest(cells: [number, number][], counts: number[][]): [number, number] | undefined {
  return cells.reduce<[number, number] | undefined>((best, c) => (!best || counts[c[0]]![c[1]]! < counts[best[0]]![best[1]]! ? c : best), undefined);
}

/**
 * One province of a table (the total is then that province's row): how a national caller's
 * answer for one province keeps the suppression of the national table.
 */
export function restrictTo<M extends string>(table: DisaggregatedTable<M>, province: string, measures: readonly M[]): DisaggregatedTable<M> {
  const row = table.rows.find((r) => r.province === province) ?? { province, cells: combinations(table.by).map((c) => ({ ...c, ...Object.fromEntries(measures.map((m) => [m, 0])) }) as Cell<M>) };
  return { ...table, rows: [row], total: { cells: row.cells } };
}

/** Whole calendar months in Vietnam time: `from` and `to` ("YYYY-MM-DD") both on the 1st. */
export const wholeMonths = (from: string, to: string) => from.endsWith('-01') && to.endsWith('-01');

/** `by=sex,ageGroup`: the dimensions to cross-tabulate, each once. */
export const ByQuery = z
  .string()
  .max(100)
  .describe(`Disaggregate by these dimensions, comma-separated, crossed with each other: ${Dimension.options.join(', ')}. Counts only; small cells suppressed`)
  .transform((text, c) => {
    const parts = text.split(',').map((p) => p.trim());
    for (const p of parts) {
      if (!Dimension.safeParse(p).success) c.addIssue({ code: 'custom', message: `"${p.slice(0, 20)}" is not one of ${Dimension.options.join(', ')}` });
    }
    if (new Set(parts).size !== parts.length) c.addIssue({ code: 'custom', message: 'name each dimension once' });
    return canonical(parts as Dimension[]);
  });

/** The OpenAPI shape of a table whose measures are `measures`. */
export function disaggregationSchema(measures: readonly string[]) {
  const count = z.number().int().nullable().describe('null: suppressed (fewer than minCellSize cases, or hidden so that another suppressed cell cannot be recomputed)');
  const Cell = z.object({ ...Object.fromEntries(Dimension.options.map((d) => [d, z.enum(DIMENSION_VALUES[d] as [string, ...string[]]).optional()])), ...Object.fromEntries(measures.map((m) => [m, count])) });
  return z
    .object({
      by: z.array(Dimension),
      minCellSize: z.number().int(),
      rows: z.array(z.object({ province: z.string(), cells: z.array(Cell) })),
      total: z.object({ cells: z.array(Cell) }),
    })
    .describe('With `by`: every combination of the dimensions, per province and in total. Sex and date of birth are read from the encrypted personal data in memory; only counts leave.');
}
