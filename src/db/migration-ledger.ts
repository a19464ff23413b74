/**
 * Per-provider plumbing for the migration runner: a transaction that holds the migration lock,
 * and the `_dong_hanh_migrations` table that records what was applied. Raw drivers, not Prisma:
 * migrations run before any Prisma client may assume the schema exists.
 */
import { Client } from 'pg';
import { postgresPoolConfig, type PostgresOptions } from './postgres-options';
import { openSqliteFile } from './sqlite';
import type { DatabaseTarget } from './url';

export const LEDGER_TABLE = '_dong_hanh_migrations';

export interface LedgerTransaction {
  /** Runs a script of one or more statements. */
  execute(sql: string): Promise<void>;
  /** Applied migrations: name → sha256 checksum. */
  recorded(): Promise<Map<string, string>>;
  record(name: string, checksum: string): Promise<void>;
}

export interface Ledger {
  /** Runs `work` in one transaction, holding a lock that other runners wait for. */
  transaction<T>(work: (tx: LedgerTransaction) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export async function openLedger(target: DatabaseTarget, postgres?: PostgresOptions | null): Promise<Ledger> {
  return target.provider === 'sqlite' ? sqliteLedger(target.file) : postgresLedger(target.url, postgres);
}

function sqliteLedger(file: string): Ledger {
  const db = openSqliteFile(file);
  const tx: LedgerTransaction = {
    execute: async (sql) => db.exec(sql),
    recorded: async () => {
      const rows = db.prepare(`SELECT name, checksum FROM ${LEDGER_TABLE}`).all() as LedgerRow[];
      return new Map(rows.map((r) => [r.name, r.checksum]));
    },
    record: async (name, checksum) => {
      db.prepare(`INSERT INTO ${LEDGER_TABLE} (name, checksum, applied_at) VALUES (?, ?, ?)`).run(
        name,
        checksum,
        new Date().toISOString(),
      );
    },
  };
  return {
    transaction: (work) => inProcessQueue(file, async () => {
      // IMMEDIATE takes the write lock now, so what we read about applied migrations stays true.
      db.exec('BEGIN IMMEDIATE');
      try {
        db.exec(`CREATE TABLE IF NOT EXISTS ${LEDGER_TABLE} (
          name TEXT NOT NULL PRIMARY KEY, checksum TEXT NOT NULL, applied_at TEXT NOT NULL)`);
        const result = await work(tx);
        db.exec('COMMIT');
        return result;
      } catch (error) {
        if (db.inTransaction) db.exec('ROLLBACK'); // some errors already rolled back
        throw error;
      }
    }),
    close: async () => db.close(),
  };
}

/**
 * better-sqlite3 waits for a lock synchronously, blocking the event loop: two runners in one
 * process would deadlock until the busy timeout. They take turns here; other processes wait
 * on the SQLite lock itself.
 */
const sqliteQueues = new Map<string, Promise<unknown>>();
function inProcessQueue<T>(file: string, work: () => Promise<T>): Promise<T> {
  const turn = (sqliteQueues.get(file) ?? Promise.resolve()).then(work, work);
  const settled = turn.then(
    () => undefined,
    () => undefined,
  );
  sqliteQueues.set(file, settled);
  void settled.then(() => sqliteQueues.get(file) === settled && sqliteQueues.delete(file));
  return turn;
}

/** Arbitrary but fixed: every runner of this project contends for the same advisory lock. */
const ADVISORY_LOCK_KEY = 5_119_040_417;

async function postgresLedger(url: string, postgres: PostgresOptions | null | undefined): Promise<Ledger> {
  // The pool's TLS and connect timeout; one client, so its size does not apply.
  const { connectionString, ssl, connectionTimeoutMillis } = postgresPoolConfig(url, postgres);
  const client = new Client({ connectionString, ssl, connectionTimeoutMillis });
  await client.connect();
  const tx: LedgerTransaction = {
    execute: async (sql) => {
      await client.query(sql); // no parameters: the simple protocol runs multi-statement scripts
    },
    recorded: async () => {
      const { rows } = await client.query<LedgerRow>(`SELECT name, checksum FROM ${LEDGER_TABLE}`);
      return new Map(rows.map((r) => [r.name, r.checksum]));
    },
    record: async (name, checksum) => {
      await client.query(`INSERT INTO ${LEDGER_TABLE} (name, checksum, applied_at) VALUES ($1, $2, now())`, [
        name,
        checksum,
      ]);
    },
  };
  return {
    async transaction(work) {
      await client.query('BEGIN');
      try {
        // Taken before CREATE TABLE IF NOT EXISTS, which is not safe against a concurrent twin.
        await client.query(`SELECT pg_advisory_xact_lock(${ADVISORY_LOCK_KEY})`);
        await client.query(`CREATE TABLE IF NOT EXISTS ${LEDGER_TABLE} (
          name TEXT NOT NULL PRIMARY KEY, checksum TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL)`);
        const result = await work(tx);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined); // keep the original error
        throw error;
      }
    },
    close: () => client.end(),
  };
}

interface LedgerRow {
  name: string;
  checksum: string;
}
