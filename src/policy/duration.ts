/** Policy durations are short strings ("90s", "4h", "3d") so the policy file reads like the procedure. */
import { z } from 'zod';

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const PATTERN = /^(\d+)(s|m|h|d)$/;

export const Duration = z.string().regex(PATTERN, { message: 'a duration such as "90s", "30m", "4h" or "3d"', abort: true });
export const PositiveDuration = Duration.refine((d) => durationMs(d) > 0, 'must be longer than zero');

export function durationMs(duration: string): number {
  const match = PATTERN.exec(duration);
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
