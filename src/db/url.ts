import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the data lives, as the migration runner and the Prisma client both need it. */
export type DatabaseTarget = { provider: 'sqlite'; file: string } | { provider: 'postgresql'; url: string };

export class UnsupportedDatabaseUrlError extends Error {
  override name = 'UnsupportedDatabaseUrlError';
}

/**
 * `file:<path>` (relative paths resolve against the working directory) or
 * `postgres://` / `postgresql://`. Error messages show only the scheme: URLs carry passwords.
 */
export function parseDatabaseUrl(databaseUrl: string): DatabaseTarget {
  if (/^postgres(ql)?:\/\//i.test(databaseUrl)) return { provider: 'postgresql', url: databaseUrl };
  if (databaseUrl.startsWith('file:')) {
    const withoutQuery = databaseUrl.replace(/\?.*$/, '');
    const file = withoutQuery.startsWith('file://') ? fileURLToPath(withoutQuery) : withoutQuery.slice('file:'.length);
    // An in-memory database would be a different, empty one in every connection.
    if (file === '' || file === ':memory:') {
      throw new UnsupportedDatabaseUrlError('DATABASE_URL "file:" needs a file path, e.g. file:./data/dong-hanh.db');
    }
    return { provider: 'sqlite', file: path.resolve(file) };
  }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(databaseUrl)?.[1];
  throw new UnsupportedDatabaseUrlError(
    `Unsupported DATABASE_URL scheme ${scheme ? `"${scheme}:"` : '(none)'}: use file:<path> for SQLite ` +
      'or postgresql://user@host:port/database for PostgreSQL',
  );
}
