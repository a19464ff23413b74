/**
 * Policy durations are short strings ("90s", "4h", "3d") so the policy file reads like the
 * procedure. Plain functions, no zod: the workflows use them (their schemas: duration-schema.ts).
 */
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
export const DURATION_PATTERN = /^(\d+)(s|m|h|d)$/;

export function durationMs(duration: string): number {
  const match = DURATION_PATTERN.exec(duration);
  if (!match) throw new Error(`not a duration: ${duration}`);
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

/** The shortest exact spelling of a whole number of seconds. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(1, Math.round(ms / 1000));
  for (const [unit, size] of [['d', 86_400], ['h', 3_600], ['m', 60]] as const) {
    if (seconds % size === 0) return `${seconds / size}${unit}`;
  }
  return `${seconds}s`;
}
