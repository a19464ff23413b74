/**
 * Opens the Prisma client for DATABASE_URL: SQLite (embedded default) or PostgreSQL. Both
 * clients are generated from prisma/schema.prisma by scripts/prisma-generate.mjs and have the
 * same models, so the rest of the code uses one PrismaClient type.
 */
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import type { PrismaClient } from './generated/sqlite/client';
import { postgresPoolConfig, type PostgresOptions } from './postgres-options';
import { SQLITE_BUSY_TIMEOUT_MS, openSqliteFile } from './sqlite';
import { parseDatabaseUrl } from './url';

export type { PrismaClient };
export type { Agency, Case, Notification, StaffMember, Task } from './generated/sqlite/client';
export { UnsupportedDatabaseUrlError } from './url';

export type DatabaseProvider = 'sqlite' | 'postgresql';

export interface Database {
  prisma: PrismaClient;
  provider: DatabaseProvider;
  close(): Promise<void>;
}

/** `postgres`: pool size, timeouts and TLS of a PostgreSQL database (config's `postgres`). */
export function openDatabase(databaseUrl: string, postgres?: PostgresOptions | null): Database {
  const target = parseDatabaseUrl(databaseUrl);
  let prisma: PrismaClient;
  if (target.provider === 'sqlite') {
    openSqliteFile(target.file).close(); // creates the folder and switches the file to WAL
    const { PrismaClient: SqliteClient } = loadClient<typeof import('./generated/sqlite/client')>('sqlite');
    prisma = new SqliteClient({
      adapter: new PrismaBetterSqlite3({ url: target.file, timeout: SQLITE_BUSY_TIMEOUT_MS }),
    });
  } else {
    const { PrismaClient: PostgresClient } = loadClient<typeof import('./generated/postgresql/client')>('postgresql');
    // Same models, other provider: the two generated types differ only in provider-specific filters.
    prisma = new PostgresClient({ adapter: new PrismaPg(postgresPoolConfig(target.url, postgres)) }) as unknown as PrismaClient;
  }
  return { prisma, provider: target.provider, close: () => prisma.$disconnect() };
}

/** Loaded on demand so a process only pays for the client it uses. */
function loadClient<T>(provider: DatabaseProvider): T {
  try {
    return require(`./generated/${provider}/client`) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' && String(error).includes(`generated/${provider}`)) {
      throw new Error(`The ${provider} Prisma client is not generated: run \`node scripts/prisma-generate.mjs\``);
    }
    throw error;
  }
}
