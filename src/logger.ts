/**
 * The one logger. Victim data never reaches it; as a second line of defence, fields that could
 * hold personal data are redacted wherever they appear.
 */
import pino from 'pino';

export const REDACTED_FIELDS = ['personalData', 'fullName', 'dateOfBirth', 'contact', 'address', 'body', 'text', 'html'];

export function createLogger(level: string, name = 'dong-hanh') {
  return pino({
    name,
    level,
    redact: { paths: REDACTED_FIELDS.flatMap((f) => [f, `*.${f}`]), censor: '[redacted]' },
  });
}
export type Logger = ReturnType<typeof createLogger>;
