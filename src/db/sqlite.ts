import fs from 'node:fs';
import path from 'node:path';

/**
 * The small part of better-sqlite3 this project uses. Typed here because @types/better-sqlite3
 * is not a dependency (the Prisma adapter brings the driver, not its types).
 */
export interface SqliteConnection {
  exec(sql: string): void;
  prepare(sql: string): {
    run(...params: unknown[]): unknown;
    all(...params: unknown[]): unknown[];
    get(...params: unknown[]): unknown;
  };
  pragma(source: string, options?: { simple?: boolean }): unknown;
  readonly inTransaction: boolean;
  close(): void;
}
type SqliteDriver = new (file: string, options?: { timeout?: number }) => SqliteConnection;

/** The worker and the API share the file: a writer waits this long for another's lock. */
export const SQLITE_BUSY_TIMEOUT_MS = 10_000;

/**
 * Opens (creating it and its folder if needed) a SQLite file in WAL mode, so readers in one
 * process never block on a writer in another. WAL is a property of the file, so it also holds
 * for the connections the Prisma adapter opens later.
 */
export function openSqliteFile(file: string): SqliteConnection {
  // The database holds case data: only the service's user may read it (SQLite gives its -wal and
  // -shm files the database file's mode).
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  if (file !== ':memory:') {
    fs.closeSync(fs.openSync(file, 'a', 0o600));
    fs.chmodSync(file, 0o600);
  }
  const Driver = require('better-sqlite3') as SqliteDriver;
  const db = new Driver(file, { timeout: SQLITE_BUSY_TIMEOUT_MS });
  try {
    db.pragma('journal_mode = WAL');
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}
