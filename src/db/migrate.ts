/**
 * Creates and upgrades the schema with no network: applies prisma/migrations/<name>/<provider>.sql
 * in name order, each in its own transaction, and records each in `_dong_hanh_migrations`.
 * (Prisma 7's own migrate needs a native engine that cannot be installed offline.)
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { openLedger } from './migration-ledger';
import type { PostgresOptions } from './postgres-options';
import { parseDatabaseUrl } from './url';

export class MigrationError extends Error {
  override name = 'MigrationError';
}

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export async function migrateDatabase(
  databaseUrl: string,
  options: { migrationsDir?: string; postgres?: PostgresOptions | null } = {},
): Promise<{ applied: string[] }> {
  const target = parseDatabaseUrl(databaseUrl);
  const migrations = readMigrations(options.migrationsDir ?? findMigrationsDir(), target.provider);
  const ledger = await openLedger(target, options.postgres);
  const applied: string[] = [];
  try {
    for (const migration of migrations) {
      // Re-read under the lock each time: a concurrent runner may have applied it meanwhile.
      const didApply = await ledger.transaction(async (tx) => {
        const recorded = await tx.recorded();
        assertUnchanged(recorded, migrations);
        if (recorded.has(migration.name)) return false;
        try {
          await tx.execute(migration.sql);
        } catch (error) {
          throw new MigrationError(
            `Migration ${migration.name} (${target.provider}.sql) failed and was rolled back: ${(error as Error).message}`,
            { cause: error },
          );
        }
        await tx.record(migration.name, migration.checksum);
        return true;
      });
      if (didApply) applied.push(migration.name);
    }
  } finally {
    await ledger.close();
  }
  return { applied };
}

/** An applied migration must never change: databases that ran the old text would silently differ. */
function assertUnchanged(recorded: Map<string, string>, migrations: Migration[]): void {
  for (const m of migrations) {
    const checksum = recorded.get(m.name);
    if (checksum !== undefined && checksum !== m.checksum) {
      throw new MigrationError(
        `Migration ${m.name} was changed after it was applied (recorded sha256 ${checksum.slice(0, 12)}…, ` +
          `file now ${m.checksum.slice(0, 12)}…). Restore the file and put the change in a new migration.`,
      );
    }
  }
}

export function readMigrations(migrationsDir: string, provider: 'sqlite' | 'postgresql'): Migration[] {
  const names = fs
    .readdirSync(migrationsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  return names.map((name) => {
    const file = path.join(migrationsDir, name, `${provider}.sql`);
    if (!fs.existsSync(file)) {
      throw new MigrationError(`Migration ${name} has no ${provider}.sql: every migration needs one file per provider`);
    }
    const sql = fs.readFileSync(file, 'utf8');
    // Line endings are normalised so a Windows checkout does not look like an edit.
    const checksum = createHash('sha256').update(sql.replace(/\r\n/g, '\n')).digest('hex');
    return { name, sql, checksum };
  });
}

/** Walks up from this file: works from src/db (jest) and from dist/src/db (compiled). */
export function findMigrationsDir(from: string = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'prisma', 'migrations');
    if (fs.existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) throw new MigrationError(`No prisma/migrations folder above ${from}`);
  }
}
