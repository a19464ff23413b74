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

describe.each(PROVIDERS)('the task and case-policy migration on %s', (provider) => {
  const MIGRATION = '0006_task_names_and_case_policy';
  let db: ThrowawayDatabase;
  let migrationsDir: string;
  beforeEach(async () => {
    db = await createThrowawayDatabase(provider);
    migrationsDir = await fs.mkdtemp(path.join(os.tmpdir(), 'dh-migrations-'));
    await fs.cp(findMigrationsDir(), migrationsDir, { recursive: true, filter: (src) => !src.includes(MIGRATION) });
  });
  afterEach(async () => {
    await db.drop();
    await fs.rm(migrationsDir, { recursive: true, force: true });
  });

  it('keeps the tasks recorded before it and gives each case the policy its history names', async () => {
    // Rows as the service wrote them before the migration, in the columns of that time.
    await fs.mkdir(path.join(migrationsDir, '0005_zz_rows_of_before'));
    const at = provider === 'sqlite' ? "'2026-01-05T10:00:00.000+00:00'" : "'2026-01-05T10:00:00Z'";
    await fs.writeFile(
      path.join(migrationsDir, '0005_zz_rows_of_before', `${provider}.sql`),
      `INSERT INTO "Agency" ("id", "province", "kind", "nameVi", "nameEn") VALUES ('hn-health', 'VN-HN', 'health_dept', 'Sở Y tế', 'Health Department');
       INSERT INTO "Case" ("code", "province", "leadAgencyId", "workflowId", "stage", "status") VALUES
         ('HN-OLD-1', 'VN-HN', 'hn-health', 'journey-HN-OLD-1', 'reception', 'active'),
         ('HN-OLD-2', 'VN-HN', 'hn-health', 'journey-HN-OLD-2', 'support-plan', 'active'),
         ('HN-OLD-3', 'VN-HN', 'hn-health', 'journey-HN-OLD-3', 'reception', 'active');
       INSERT INTO "Task" ("id", "caseCode", "taskKey", "stage", "agencyId", "status", "ackDueAt", "doneDueAt") VALUES
         ('HN-OLD-1/reception', 'HN-OLD-1', 'reception', 'reception', 'hn-health', 'open', ${at}, ${at});
       INSERT INTO "JourneyAction" ("id", "caseCode", "seq", "at", "action", "detail") VALUES
         ('HN-OLD-1#1', 'HN-OLD-1', 1, ${at}, 'case-opened', 'vn-default v1'),
         ('HN-OLD-2#1', 'HN-OLD-2', 1, ${at}, 'case-opened', 'vn-default v1'),
         ('HN-OLD-2#2', 'HN-OLD-2', 2, ${at}, 'policy-changed', 'v1→v2'),
         ('HN-OLD-2#3', 'HN-OLD-2', 3, ${at}, 'policy-changed', 'v2→v3');`,
    );
    await migrateDatabase(db.url, { migrationsDir });
    await fs.cp(path.join(findMigrationsDir(), MIGRATION), path.join(migrationsDir, MIGRATION), { recursive: true });
    await expect(migrateDatabase(db.url, { migrationsDir })).resolves.toEqual({ applied: [MIGRATION] });

    const { prisma, close } = openDatabase(db.url);
    try {
      const task = await prisma.task.findUniqueOrThrow({ where: { id: 'HN-OLD-1/reception' } });
      expect(task).toMatchObject({ key: 'reception', acknowledgeDueAt: new Date('2026-01-05T10:00:00Z'), completeDueAt: new Date('2026-01-05T10:00:00Z') });
      const cases = await prisma.case.findMany({ orderBy: { code: 'asc' }, select: { code: true, policyId: true, policyVersion: true } });
      expect(cases).toEqual([
        { code: 'HN-OLD-1', policyId: 'vn-default', policyVersion: 1 },
        { code: 'HN-OLD-2', policyId: 'vn-default', policyVersion: 3 },
        { code: 'HN-OLD-3', policyId: null, policyVersion: null },
      ]);
    } finally {
      await close();
    }
  });
});
