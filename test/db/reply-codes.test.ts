/**
 * Reply codes on both databases: migration 0008's partial unique index refuses a second open task
 * with the same code (and the clash is recognised, so the opener picks another), while a done
 * task's code may be used again; openTask gives every new task a code.
 */
import { recordActivities } from '../../src/activities/records';
import { isReplyCodeClash } from '../../src/db/reply-codes';
import { PROVIDERS } from '../support/throwaway-database';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

describe.each(PROVIDERS)('reply codes on %s', (provider) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(provider);
    await t.db.prisma.case.create({ data: { code: 'DN-RC-1', province: 'VN-DN', leadAgencyId: 'dn-health', workflowId: 'journey-DN-RC-1', stage: 'reception', status: 'active' } });
  });
  afterAll(() => t?.close());

  const due = new Date('2026-12-01T00:00:00Z');
  const task = (id: string, replyCode: string, status = 'open') =>
    t.db.prisma.task.create({ data: { id, caseCode: 'DN-RC-1', key: id.split('/')[1]!, stage: 'reception', agencyId: 'dn-health', status, acknowledgeDueAt: due, completeDueAt: due, replyCode } });

  it('refuses a second open task with the same code, recognisably; a done task’s code may be used again', async () => {
    await task('DN-RC-1/a', '4821');
    const clash = await task('DN-RC-1/b', '4821').catch((e: unknown) => e);
    expect(clash).toBeInstanceOf(Error);
    expect(isReplyCodeClash(clash)).toBe(true);
    await task('DN-RC-1/c', '4821', 'acknowledged').catch((e: unknown) => expect(isReplyCodeClash(e)).toBe(true));
    expect(await t.db.prisma.task.count({ where: { replyCode: '4821' } })).toBe(1);

    await t.db.prisma.task.update({ where: { id: 'DN-RC-1/a' }, data: { status: 'done' } });
    await expect(task('DN-RC-1/b', '4821')).resolves.toMatchObject({ replyCode: '4821' });
    // Another unique clash (the same task id) is not a reply-code clash: the opener must not loop on it.
    const idClash = await task('DN-RC-1/b', '1234').catch((e: unknown) => e);
    expect(isReplyCodeClash(idClash)).toBe(false);
  });

  it('openTask gives each new task a code no open task holds, once', async () => {
    const { openTask } = recordActivities(t.db);
    const opening = { caseCode: 'DN-RC-1', province: 'VN-DN' as const, agencyKind: 'health_dept' as const, leadAgencyId: 'dn-health', stage: 'reception', title: { vi: 'x', en: 'x' }, createdAt: due.toISOString(), acknowledgeDueAt: due.toISOString(), completeDueAt: due.toISOString() };
    for (const key of ['d', 'e', 'f']) await openTask({ ...opening, id: `DN-RC-1/${key}`, key } as Parameters<typeof openTask>[0]);
    await openTask({ ...opening, id: 'DN-RC-1/d', key: 'd' } as Parameters<typeof openTask>[0]); // a retried activity
    const open = await t.db.prisma.task.findMany({ where: { status: { in: ['open', 'acknowledged'] } }, select: { id: true, replyCode: true } });
    const codes = open.map((r) => r.replyCode);
    expect(codes.every((c) => /^\d{4}$/.test(c ?? ''))).toBe(true);
    expect(new Set(codes).size).toBe(codes.length);
    expect(open.find((r) => r.id === 'DN-RC-1/d')!.replyCode).toBe((await t.db.prisma.task.findUniqueOrThrow({ where: { id: 'DN-RC-1/d' } })).replyCode);
  });
});
