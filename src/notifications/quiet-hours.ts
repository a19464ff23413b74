/**
 * Quiet hours: a daily window in a recipient's local time (default 21:00–07:00 in Vietnam) in
 * which non-urgent messages wait. Pure functions of an instant, so the caller decides what "now"
 * is (in a workflow's activity: the workflow's clock, which tests can skip forward).
 */
export interface QuietHours {
  /** "HH:MM", local time. A window may cross midnight (21:00–07:00). */
  start: string;
  end: string;
  /** IANA time zone, e.g. Asia/Ho_Chi_Minh. */
  timeZone: string;
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

export function minutesOfDay(hhmm: string): number {
  const m = HHMM.exec(hhmm);
  if (!m) throw new RangeError(`not a time of day (HH:MM): ${hhmm}`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/** Minutes since local midnight of `at` in `timeZone`, with seconds. */
export function localMinutes(at: Date, timeZone: string): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  return Number(parts.hour) * 60 + Number(parts.minute) + Number(parts.second) / 60;
}

/**
 * When the quiet window that `at` falls in ends, or undefined when `at` is outside it. An empty
 * window (start = end) is never quiet. Counts wall-clock minutes, so on a day with a DST change
 * (not in Vietnam) the end may be off by that hour.
 */
export function quietUntil(at: Date, quiet: QuietHours | undefined): Date | undefined {
  if (!quiet) return undefined;
  const start = minutesOfDay(quiet.start);
  const end = minutesOfDay(quiet.end);
  if (start === end) return undefined;
  const now = localMinutes(at, quiet.timeZone);
  const inside = start < end ? now >= start && now < end : now >= start || now < end;
  if (!inside) return undefined;
  const wait = (end - now + 1440) % 1440;
  // Whole seconds: the same instant on every retry of the same request.
  return new Date(Math.ceil((at.getTime() + wait * 60_000) / 1000) * 1000);
}

/** A recipient's own quiet hours when set (start and end), else the service default. */
export function quietHoursOf(
  person: { quietHoursStart: string | null; quietHoursEnd: string | null; timeZone: string | null },
  fallback: QuietHours | undefined,
): QuietHours | undefined {
  if (person.quietHoursStart && person.quietHoursEnd) {
    return { start: person.quietHoursStart, end: person.quietHoursEnd, timeZone: person.timeZone ?? fallback?.timeZone ?? 'Asia/Ho_Chi_Minh' };
  }
  return fallback && person.timeZone ? { ...fallback, timeZone: person.timeZone } : fallback;
}
