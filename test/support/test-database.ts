/** A fresh SQLite database for one test file: migrated, seeded with the Đà Nẵng demo directory, removed on close. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, type Database } from '../../src/db/client';
import { migrateDatabase } from '../../src/db/migrate';
import { seedDemoData } from '../../src/db/seed';

export interface TestDatabase {
  db: Database;
  databaseUrl: string;
  dir: string;
  close(): Promise<void>;
}

export async function createTestDatabase(name: string): Promise<TestDatabase> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `dh-${name}-`));
  const databaseUrl = `file:${path.join(dir, `${name}.db`)}`;
  await migrateDatabase(databaseUrl);
  const db = openDatabase(databaseUrl);
  await seedDemoData(db.prisma);
  return {
    db,
    databaseUrl,
    dir,
    async close() {
      await db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A second province's health department, for transfers and "staff of another province". */
export async function addHanoiHealthDepartment(db: Database) {
  await db.prisma.agency.create({ data: { id: 'hn-health', province: 'VN-HN', kind: 'health_dept', nameVi: 'Sở Y tế Hà Nội', nameEn: 'Hà Nội Department of Health' } });
  await db.prisma.staffMember.createMany({
    data: [
      { id: 'hn-health-caseworker-1', agencyId: 'hn-health', name: 'Trần Văn Nam', email: 'hn-cw1@donghanh.local', role: 'caseworker' },
      { id: 'hn-health-coordinator-1', agencyId: 'hn-health', name: 'Lê Thị Hoa', email: 'hn-co1@donghanh.local', role: 'coordinator' },
    ],
  });
}
