/**
 * Real, disposable databases for tests: a SQLite file in a temp folder, or a fresh PostgreSQL
 * database `dh_test_<random>` on the local server (trust auth), dropped afterwards.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import type { DatabaseProvider } from '../../src/db/client';

export const PROVIDERS: DatabaseProvider[] = ['sqlite', 'postgresql'];

const POSTGRES_SERVER = process.env.TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432';

export interface ThrowawayDatabase {
  url: string;
  drop(): Promise<void>;
}

export async function createThrowawayDatabase(provider: DatabaseProvider): Promise<ThrowawayDatabase> {
  if (provider === 'sqlite') {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dh-test-'));
    return { url: `file:${path.join(dir, 'nested', 'dong-hanh.db')}`, drop: () => fs.rm(dir, { recursive: true, force: true }) };
  }
  const name = `dh_test_${randomBytes(6).toString('hex')}`;
  await withServer((admin) => admin.query(`CREATE DATABASE ${name}`));
  return {
    url: `${POSTGRES_SERVER}/${name}`,
    drop: async () => {
      await withServer((admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

async function withServer<T>(work: (admin: Client) => Promise<T>): Promise<T> {
  const admin = new Client({ connectionString: `${POSTGRES_SERVER}/postgres` });
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}
