/**
 * A fresh database for one test file (SQLite by default, or a throwaway PostgreSQL database):
 * migrated, seeded with the Đà Nẵng demo directory, dropped on close.
 */
import { openDatabase, type Database, type DatabaseProvider } from '../../src/db/client';
import { migrateDatabase } from '../../src/db/migrate';
import { seedDemoData } from '../../src/db/seed';
import { createThrowawayDatabase } from './throwaway-database';

export interface TestDatabase {
  db: Database;
  databaseUrl: string;
  close(): Promise<void>;
}

export async function createTestDatabase(provider: DatabaseProvider = 'sqlite'): Promise<TestDatabase> {
  const throwaway = await createThrowawayDatabase(provider);
  await migrateDatabase(throwaway.url);
  const db = openDatabase(throwaway.url);
  await seedDemoData(db.prisma);
  return {
    db,
    databaseUrl: throwaway.url,
    async close() {
      await db.close();
      await throwaway.drop();
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
