/**
 * The one logger. Victim data never reaches it; as a second line of defence, fields that could
 * hold personal data are redacted wherever they appear.
 */
import pino from 'pino';

export const REDACTED_FIELDS = [
  'personalData', 'fullName', 'otherNames', 'dateOfBirth', 'sex', 'nationality', 'contact', 'address', 'languages', 'vulnerabilities',
  'body', 'text', 'html', 'authorization', 'cookie',
];

/** `destination`: where lines go (stdout by default; tests capture them). */
export function createLogger(level: string, name = 'dong-hanh', destination?: pino.DestinationStream) {
  return pino(
    {
      name,
      level,
      redact: { paths: REDACTED_FIELDS.flatMap((f) => [f, `*.${f}`]), censor: '[redacted]' },
    },
    destination,
  );
}
export type Logger = ReturnType<typeof createLogger>;
