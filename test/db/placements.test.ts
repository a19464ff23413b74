/**
 * Facility places on real SQLite and PostgreSQL databases: the order facilities are tried in, a
 * free place taken once per task however often the reservation is retried, and capacity that
 * concurrent reservations never exceed (on PostgreSQL the pool runs them on several connections at
 * once: the conditional UPDATE re-checks "occupied < capacity" under the row lock).
 */
import type { Database } from '../../src/db/client';
import { choosePlace, freePlaces, occupyPlace, releasePlaces, reservePlace } from '../../src/db/placements';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { PROVIDERS } from '../support/throwaway-database';

describe.each(PROVIDERS)('on %s', (provider) => {
let t: TestDatabase;
let db: Database;
beforeAll(async () => {
  t = await createTestDatabase(provider);
  db = t.db;
});
afterAll(() => t?.close());
beforeEach(async () => {
  await db.prisma.facilityPlacement.deleteMany();
  await db.prisma.supportFacility.deleteMany();
});

const facility = (id: string, over: Partial<{ province: string; dedicated: boolean; national: boolean; capacity: number; occupied: number; active: boolean }> = {}) =>
  db.prisma.supportFacility.create({ data: { id, province: 'VN-DN', nameVi: id, nameEn: id, ownership: 'public', capacity: 1, ...over } });
const occupied = async (id: string) => (await db.prisma.supportFacility.findUniqueOrThrow({ where: { id } })).occupied;
const ask = (taskId: string, province = 'VN-DN') => ({ caseCode: taskId.split('/')[0]!, taskId, province });

test('the own province first, dedicated before other facilities, then national ones; full when none has a place', async () => {
  await facility('dn-other', { capacity: 1 });
  await facility('dn-dedicated', { dedicated: true, capacity: 1 });
  await facility('hn-national', { province: 'VN-HN', dedicated: true, national: true, capacity: 1 });
  await facility('hn-local', { province: 'VN-HN', dedicated: true, capacity: 5 }); // another province's own: never
  await facility('dn-closed', { dedicated: true, capacity: 9, active: false });

  const placedIn = async (taskId: string) => {
    const result = await reservePlace(db.prisma, ask(taskId));
    const row = await db.prisma.facilityPlacement.findUnique({ where: { taskId } });
    return [result.status, row?.facilityId];
  };
  expect(await placedIn('C-1/shelter-placement')).toEqual(['reserved', 'dn-dedicated']);
  expect(await placedIn('C-2/shelter-placement')).toEqual(['reserved', 'dn-other']);
  expect(await placedIn('C-3/shelter-placement')).toEqual(['reserved', 'hn-national']);
  expect(await placedIn('C-4/shelter-placement')).toEqual(['full', undefined]);
  expect(await Promise.all(['dn-dedicated', 'dn-other', 'hn-national', 'hn-local', 'dn-closed'].map(occupied))).toEqual([1, 1, 1, 0, 0]);

  const free = await freePlaces(db.prisma, 'VN-DN');
  expect(free.items.map((f) => [f.id, f.free])).toEqual([['dn-dedicated', 0], ['dn-other', 0], ['hn-national', 0]]);
  expect(free).toMatchObject({ province: 'VN-DN', free: 0, nationalFree: 0 });
});

test('a retried reservation reserves once, also when the retries run at the same time', async () => {
  await facility('dn-a', { dedicated: true, capacity: 5 });
  const first = await reservePlace(db.prisma, ask('C-1/shelter-placement'));
  const again = await reservePlace(db.prisma, ask('C-1/shelter-placement'));
  expect([first.status, again.status]).toEqual(['reserved', 'reserved']);
  const racing = await Promise.all(Array.from({ length: 6 }, () => reservePlace(db.prisma, ask('C-2/shelter-placement'))));
  expect(racing.every((r) => r.status === 'reserved')).toBe(true);
  expect(await db.prisma.facilityPlacement.count()).toBe(2);
  expect(await occupied('dn-a')).toBe(2);
});

test('concurrent reservations never exceed capacity, though each read the facilities before the others took them', async () => {
  await facility('dn-a', { dedicated: true, capacity: 3, occupied: 1 });
  await facility('dn-b', { capacity: 2 });
  // As one worker runs them: many activities at once on the process's client.
  const results = await Promise.all(Array.from({ length: 12 }, (_, i) => reservePlace(db.prisma, ask(`C-${i}/shelter-placement`))));
  expect(results.filter((r) => r.status === 'reserved')).toHaveLength(4);
  expect(results.filter((r) => r.status === 'full')).toHaveLength(8);
  expect([await occupied('dn-a'), await occupied('dn-b')]).toEqual([3, 2]);
  expect(await db.prisma.facilityPlacement.count({ where: { status: 'reserved' } })).toBe(4);
});

test('a chosen facility moves the place; occupying and releasing give places back once', async () => {
  await facility('dn-a', { dedicated: true, capacity: 2 });
  await facility('dn-b', { capacity: 1 });
  await facility('hn-x', { province: 'VN-HN', capacity: 3 });
  await reservePlace(db.prisma, ask('C-1/shelter-placement'));
  expect(await choosePlace(db.prisma, { ...ask('C-1/shelter-placement'), facilityId: 'hn-x' })).toEqual({ status: 'unavailable' });
  expect(await choosePlace(db.prisma, { ...ask('C-1/shelter-placement'), facilityId: 'dn-b' })).toEqual({ status: 'reserved' });
  expect(await choosePlace(db.prisma, { ...ask('C-1/shelter-placement'), facilityId: 'dn-b' })).toEqual({ status: 'reserved' }); // a retry
  expect([await occupied('dn-a'), await occupied('dn-b')]).toEqual([0, 1]);
  await reservePlace(db.prisma, ask('C-2/shelter-placement')); // dn-a
  expect(await choosePlace(db.prisma, { ...ask('C-2/shelter-placement'), facilityId: 'dn-b' })).toEqual({ status: 'full' });

  await occupyPlace(db.prisma, 'C-1/shelter-placement');
  expect((await db.prisma.facilityPlacement.findUniqueOrThrow({ where: { taskId: 'C-1/shelter-placement' } })).status).toBe('occupied');
  const released = await Promise.all([releasePlaces(db.prisma, 'C-1'), releasePlaces(db.prisma, 'C-1')]);
  expect(released.reduce((a, b) => a + b, 0)).toBe(1);
  expect(await releasePlaces(db.prisma, 'C-1')).toBe(0);
  expect([await occupied('dn-a'), await occupied('dn-b')]).toEqual([1, 0]);
});
});
