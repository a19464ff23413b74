import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../src/db/client';
import { findMigrationsDir, migrateDatabase, readMigrations } from '../../src/db/migrate';
import { PROVIDERS, createThrowawayDatabase, type ThrowawayDatabase } from '../support/throwaway-database';

const allMigrations = readMigrations(findMigrationsDir(), 'sqlite').map((m) => m.name);

describe.each(PROVIDERS)('migrateDatabase on %s', (provider) => {
  let db: ThrowawayDatabase;
  let migrationsDir: string;
  beforeEach(async () => {
    db = await createThrowawayDatabase(provider);
    // A private copy, so tests can edit and add migrations.
    migrationsDir = await fs.mkdtemp(path.join(os.tmpdir(), 'dh-migrations-'));
    await fs.cp(findMigrationsDir(), migrationsDir, { recursive: true });
  });
  afterEach(async () => {
    await db.drop();
    await fs.rm(migrationsDir, { recursive: true, force: true });
  });

  const addMigration = async (name: string, sql: string) => {
    await fs.mkdir(path.join(migrationsDir, name), { recursive: true });
    await fs.writeFile(path.join(migrationsDir, name, `${provider}.sql`), sql);
  };

  it('creates the schema on a fresh database, then has nothing left to do', async () => {
    await expect(migrateDatabase(db.url)).resolves.toEqual({ applied: allMigrations });
    await expect(migrateDatabase(db.url)).resolves.toEqual({ applied: [] });

    const { prisma, close } = openDatabase(db.url);
    try {
      await expect(prisma.agency.count()).resolves.toBe(0);
    } finally {
      await close();
    }
  });

  it('lets concurrent runners apply each migration exactly once', async () => {
    const results = await Promise.all([migrateDatabase(db.url), migrateDatabase(db.url), migrateDatabase(db.url)]);
    expect(results.flatMap((r) => r.applied).sort()).toEqual(allMigrations);
  });

  it('applies only the new migration after an upgrade', async () => {
    await migrateDatabase(db.url, { migrationsDir });
    await addMigration('0999_probe', 'CREATE TABLE "Probe" ("id" INTEGER NOT NULL PRIMARY KEY);');
    await expect(migrateDatabase(db.url, { migrationsDir })).resolves.toEqual({ applied: ['0999_probe'] });
  });

  it('refuses to run when an applied migration was edited', async () => {
    await migrateDatabase(db.url, { migrationsDir });
    const first = path.join(migrationsDir, allMigrations[0]!, `${provider}.sql`);
    await fs.appendFile(first, '\n-- edited after release\n');
    await addMigration('0999_probe', 'CREATE TABLE "Probe" ("id" INTEGER NOT NULL PRIMARY KEY);');

    await expect(migrateDatabase(db.url, { migrationsDir })).rejects.toThrow(
      `Migration ${allMigrations[0]} was changed after it was applied`,
    );
  });

  it('rolls a failed migration back completely and does not record it', async () => {
    await migrateDatabase(db.url, { migrationsDir });
    await addMigration('0999_probe', 'CREATE TABLE "Probe" ("id" INTEGER NOT NULL PRIMARY KEY);\nSELECT * FROM "NoSuchTable";');
    await expect(migrateDatabase(db.url, { migrationsDir })).rejects.toThrow(
      `Migration 0999_probe (${provider}.sql) failed and was rolled back`,
    );

    // Had "Probe" survived the failure, creating it again would fail.
    await addMigration('0999_probe', 'CREATE TABLE "Probe" ("id" INTEGER NOT NULL PRIMARY KEY);');
    await expect(migrateDatabase(db.url, { migrationsDir })).resolves.toEqual({ applied: ['0999_probe'] });
  });

  it('refuses a migration that lacks this provider’s file', async () => {
    await fs.mkdir(path.join(migrationsDir, '0999_half_done'));
    await expect(migrateDatabase(db.url, { migrationsDir })).rejects.toThrow(
      `Migration 0999_half_done has no ${provider}.sql`,
    );
  });
});
