/** PostgreSQL pool and TLS settings reach the driver: mapped from config, then used for real. */
import path from 'node:path';
import { parseConfig } from '../../src/config';
import { openDatabase, type Database } from '../../src/db/client';
import { migrateDatabase } from '../../src/db/migrate';
import { postgresPoolConfig } from '../../src/db/postgres-options';
import { createThrowawayDatabase, type ThrowawayDatabase } from '../support/throwaway-database';

const tls = path.resolve(__dirname, '../fixtures/tls');
const url = 'postgresql://dh@db.internal:5432/donghanh';

describe('postgresPoolConfig', () => {
  test('pool size, timeouts and sslmode from config, in pg terms', () => {
    const cfg = parseConfig({ DATABASE_URL: url, DATABASE_POOL_MAX: '7', DATABASE_CONNECT_TIMEOUT: '3s', DATABASE_IDLE_TIMEOUT: '1m', DATABASE_SSL_MODE: 'require' });
    expect(postgresPoolConfig(url, cfg.postgres)).toEqual({
      connectionString: url,
      max: 7,
      connectionTimeoutMillis: 3_000,
      idleTimeoutMillis: 60_000,
      ssl: { rejectUnauthorized: false },
    });
  });

  test('verify-full checks the chain against the CA file and the host; verify-ca only the chain; disable is plaintext', () => {
    const ca = parseConfig({ DATABASE_URL: url, DATABASE_SSL_CA_PATH: `${tls}/ca.pem` }).postgres;
    const full = postgresPoolConfig(url, ca, () => Buffer.from('CA'));
    expect(full.ssl).toEqual({ rejectUnauthorized: true, ca: Buffer.from('CA') });
    const chainOnly = postgresPoolConfig(url, { ...ca!, sslMode: 'verify-ca' }, () => Buffer.from('CA'));
    expect(chainOnly.ssl).toMatchObject({ rejectUnauthorized: true, ca: Buffer.from('CA'), checkServerIdentity: expect.any(Function) });
    expect(postgresPoolConfig(url, parseConfig({ DATABASE_URL: url, DATABASE_SSL_MODE: 'disable' }).postgres).ssl).toBe(false);
    // Unset: the URL decides (no `ssl` key, which would override its sslmode).
    expect(postgresPoolConfig(url, parseConfig({ DATABASE_URL: url }).postgres)).not.toHaveProperty('ssl');
  });
});

describe('against the local PostgreSQL server', () => {
  let throwaway: ThrowawayDatabase;
  beforeAll(async () => {
    throwaway = await createThrowawayDatabase('postgresql');
  });
  afterAll(async () => {
    await throwaway?.drop();
  });

  test('migrates and serves through a pool of the configured size', async () => {
    const { postgres } = parseConfig({ DATABASE_URL: throwaway.url, DATABASE_POOL_MAX: '1', DATABASE_CONNECT_TIMEOUT: '5s', DATABASE_IDLE_TIMEOUT: '30s' });
    await migrateDatabase(throwaway.url, { postgres });
    const db: Database = openDatabase(throwaway.url, postgres);
    try {
      expect(await db.prisma.agency.count()).toBe(0);
      // Queries that overlap in time, on a pool of one: all on the same server connection.
      const backends = await Promise.all(
        Array.from({ length: 4 }, () => db.prisma.$queryRawUnsafe<{ pid: number }[]>('SELECT pg_backend_pid() AS pid, pg_sleep(0.05)::text')),
      );
      expect(new Set(backends.map(([row]) => row!.pid)).size).toBe(1);
    } finally {
      await db.close();
    }
  });

  test('DATABASE_SSL_MODE=require reaches the driver: this server has no TLS, so client and migrations refuse plaintext', async () => {
    const { postgres } = parseConfig({ DATABASE_URL: throwaway.url, DATABASE_SSL_MODE: 'require' });
    await expect(migrateDatabase(throwaway.url, { postgres })).rejects.toThrow(/does not support SSL/);
    const db = openDatabase(throwaway.url, postgres);
    try {
      await expect(db.prisma.agency.count()).rejects.toThrow();
    } finally {
      await db.close();
    }
  });
});
