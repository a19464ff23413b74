/** The schemas of policy durations ("90s", "4h", "3d"); the arithmetic is in duration.ts. */
import { z } from 'zod';
import { DURATION_PATTERN, durationMs } from './duration';

export const Duration = z.string().regex(DURATION_PATTERN, { message: 'a duration such as "90s", "30m", "4h" or "3d"', abort: true });
export const PositiveDuration = Duration.refine((d) => durationMs(d) > 0, 'must be longer than zero');
