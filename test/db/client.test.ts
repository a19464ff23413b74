import { AgencyKind } from '../../src/domain/agencies';
import { StaffRole } from '../../src/domain/staff';
import { openDatabase, type Database } from '../../src/db/client';
import { migrateDatabase } from '../../src/db/migrate';
import { seedDemoData } from '../../src/db/seed';
import { PROVIDERS, createThrowawayDatabase, type ThrowawayDatabase } from '../support/throwaway-database';

describe.each(PROVIDERS)('openDatabase on %s', (provider) => {
  let throwaway: ThrowawayDatabase;
  let db: Database;
  beforeAll(async () => {
    throwaway = await createThrowawayDatabase(provider);
    await migrateDatabase(throwaway.url);
    db = openDatabase(throwaway.url);
  });
  afterAll(async () => {
    await db?.close();
    await throwaway?.drop();
  });

  it('reports its provider', () => {
    expect(db.provider).toBe(provider);
  });

  it('seeds the Đà Nẵng demo directory once', async () => {
    await expect(seedDemoData(db.prisma)).resolves.toEqual({ seeded: true });
    await expect(seedDemoData(db.prisma)).resolves.toEqual({ seeded: false });

    const agencies = await db.prisma.agency.findMany({ include: { staff: true } });
    expect(new Set(agencies.map((a) => a.kind))).toEqual(new Set(AgencyKind.options));
    for (const agency of agencies) {
      expect(agency.province).toBe('VN-DN');
      const roles = agency.staff.map((s) => StaffRole.parse(s.role));
      expect(roles).toEqual(expect.arrayContaining(['caseworker', 'supervisor', 'focal_point']));
      for (const member of agency.staff) expect(member.phone).toMatch(/^\+8490\d{7}$/);
    }
    const health = agencies.find((a) => a.id === 'dn-health')!;
    expect(health.staff.map((s) => s.role)).toEqual(expect.arrayContaining(['coordinator', 'manager']));

    const caseworker = await db.prisma.staffMember.findUniqueOrThrow({ where: { id: 'dn-health-caseworker-1' } });
    expect(caseworker).toMatchObject({ agencyId: 'dn-health', supervisorId: 'dn-health-supervisor-1', language: 'vi' });
    const phones = agencies.flatMap((a) => a.staff.map((s) => s.phone));
    expect(new Set(phones).size).toBe(phones.length);
  });

  it('stores a case with its task and reads them back through the relations', async () => {
    const acknowledgeDueAt = new Date('2026-03-02T09:00:00.000Z');
    await db.prisma.case.create({
      data: {
        code: `DN-2026-${provider === 'sqlite' ? '0001' : '0002'}`,
        province: 'VN-DN',
        leadAgencyId: 'dn-health',
        workflowId: `journey-${provider}`,
        stage: 'verification',
        status: 'Active',
        tasks: {
          create: {
            id: `task-${provider}`,
            key: 'initial-verification',
            stage: 'verification',
            agencyId: 'dn-police',
            assigneeId: 'dn-police-caseworker-1',
            status: 'open',
            acknowledgeDueAt,
            completeDueAt: new Date(acknowledgeDueAt.getTime() + 3 * 86_400_000),
          },
        },
      },
    });

    const found = await db.prisma.case.findUniqueOrThrow({
      where: { workflowId: `journey-${provider}` },
      include: { leadAgency: true, tasks: { include: { assignee: true, agency: true } } },
    });
    expect(found.leadAgency.kind).toBe('health_dept');
    expect(found.tasks).toHaveLength(1);
    expect(found.tasks[0]).toMatchObject({ acknowledgeDueAt, escalationLevel: 0, acknowledgedAt: null });
    expect(found.tasks[0]!.assignee?.name).toBe('Hoàng Văn Dũng');
    expect(found.tasks[0]!.agency.kind).toBe('police');

    const openForPolice = await db.prisma.task.count({ where: { agencyId: 'dn-police', status: 'open' } });
    expect(openForPolice).toBe(1);
  });
});

describe('openDatabase with an unsupported URL', () => {
  it('names the scheme but never echoes the URL, which may hold a password', () => {
    const open = () => openDatabase('mysql://admin:s3cret@db.example/donghanh');
    expect(open).toThrow('Unsupported DATABASE_URL scheme "mysql:"');
    expect(open).not.toThrow(/s3cret/);
  });
});
