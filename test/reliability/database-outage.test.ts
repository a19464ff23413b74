/**
 * PostgreSQL goes away for a while (every connection dropped, new ones refused, through a relay
 * the test cuts): the API answers 503 with a clear message and Retry-After instead of failing
 * or hanging; a staff action taken meanwhile is kept by the journey, its database write is retried
 * by the activity, and everything is in the database once PostgreSQL is back.
 */
import { openDatabase } from '../../src/db/client';
import { migrateDatabase } from '../../src/db/migrate';
import { seedDemoData } from '../../src/db/seed';
import { createApiHarness, type ApiHarness } from '../api/support/harness';
import { complete } from '../support/journey-steps';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';
import { createThrowawayDatabase, type ThrowawayDatabase } from '../support/throwaway-database';

let pg: ThrowawayDatabase;
let proxy: TcpProxy;
let h: ApiHarness;

beforeAll(async () => {
  pg = await createThrowawayDatabase('postgresql');
  await migrateDatabase(pg.url);
  const direct = openDatabase(pg.url);
  await seedDemoData(direct.prisma);
  await direct.close();
  const url = new URL(pg.url);
  proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
  url.port = String(proxy.port);
  const viaProxy = url.toString();
  h = await createApiHarness({
    logLevel: 'warn',
    database: async () => {
      const db = openDatabase(viaProxy);
      return { db, databaseUrl: viaProxy, close: () => db.close() };
    },
  });
}, 120_000);

afterAll(async () => {
  await h?.close();
  await proxy?.close();
  await pg?.drop();
});

test('database down: 503 with a clear message; the action taken meanwhile reaches the database after recovery', async () => {
  const code = await h.openJourney();
  expect((await h.call('coordinator', 'GET', `/cases/${code}`)).status).toBe(200);

  await proxy.cut();
  const down = await h.call('coordinator', 'GET', `/cases/${code}`);
  expect(down.status).toBe(503);
  expect(down.headers['retry-after']).toBe('5');
  expect(down.body).toMatchObject({ status: 503, detail: 'the database is not reachable; try again' });
  expect((await h.call('coordinator', 'GET', '/readyz')).status).toBe(503);

  // The reception is completed while the database is away: the journey takes it at once, and its
  // write to the database fails and is retried.
  const acted = complete(h.journey(code), 'reception');
  await new Promise((r) => setTimeout(r, 5000));
  const stillDown = await h.call('coordinator', 'GET', '/cases');
  expect(stillDown.status).toBe(503);
  await proxy.restore();
  await acted;

  const deadline = Date.now() + 60_000;
  let reception: { status: string } | null = null;
  while (Date.now() < deadline) {
    reception = await h.db.prisma.task.findUnique({ where: { id: `${code}/reception` }, select: { status: true } });
    if (reception?.status === 'done' && (await h.db.prisma.task.count({ where: { caseCode: code, stage: 'initial-verification' } })) > 0) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  expect(reception?.status).toBe('done');
  const after = await h.call('coordinator', 'GET', `/cases/${code}`);
  expect(after.status).toBe(200);
  expect(after.body.stage).toBe('initial-verification');
}, 180_000);
