/**
 * A manager's view in a real browser: headless Debian Chromium (playwright-core) opens the
 * Temporal Web UI of a dev server started here WITH its UI and `--ui-codec-endpoint` pointing at
 * a codec server of this test. A journey whose reception task is due in seconds (a fast test
 * policy) becomes overdue; the UI, filtered on `Overdue = true`, lists it; its page shows the
 * current details, decoded by the codec server (which audits each decode). Screenshots go to
 * artifacts/screenshots/ (git-ignored).
 */
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createActivities } from '../../src/activities';
import { AuditLog } from '../../src/audit/audit-log';
import { Authenticator } from '../../src/auth/authenticate';
import { startJourney } from '../../src/client/journeys';
import { buildCodecServer } from '../../src/codec-server';
import { storePolicy } from '../../src/db/policy-bodies';
import { journeyWorkflowId } from '../../src/journey/definitions';
import { findFreePort } from '../../src/local/ports';
import { startDevServer, type DevServer } from '../../src/local/temporal-dev-server';
import { createLogger } from '../../src/logger';
import { loadPolicy } from '../../src/policy';
import { AesGcmPayloadCodec } from '../../src/temporal/codec';
import { Overdue } from '../../src/temporal/search-attributes';
import { testCodecKeyring, testDataConverter } from '../support/codec';
import { mailerFor, startInbox, type Inbox } from '../support/smtp';
import { journeyWorkflowBundle, uniqueTaskQueue } from '../support/temporal';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = path.join(__dirname, '..', '..', 'artifacts', 'screenshots');
const CASE = `DN-UI-${Date.now().toString(36).toUpperCase()}`;

// The default journey, with reception due for acknowledgement two seconds after it opens.
const policy = loadPolicy('default');
const reception = policy.stages[0]!.tasks.find((t) => t.key === 'reception')!;
reception.acknowledgeWithin = '2s';

let server: DevServer;
let codec: ReturnType<typeof buildCodecServer>;
let testDb: TestDatabase;
let inbox: Inbox;
let connection: Connection;
let nativeConnection: NativeConnection;
let worker: Worker;
let running: Promise<void>;
let browser: Browser;
let client: Client;

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run node scripts/setup.mjs (it installs Debian's chromium)`);
  testDb = await createTestDatabase();
  const [port, uiPort] = [await findFreePort(), await findFreePort()];
  codec = buildCodecServer({
    codec: new AesGcmPayloadCodec(testCodecKeyring),
    authenticator: new Authenticator(testDb.db.prisma, null),
    audit: new AuditLog(testDb.db.prisma),
    allowedOrigins: [`http://127.0.0.1:${uiPort}`],
    loopbackWithoutToken: true, // as npm start: the UI runs on this machine and passes no token
    defaultNamespace: 'default',
    rateLimitPerMinute: 10_000,
    logger: createLogger('silent'),
  });
  await codec.listen({ host: '127.0.0.1', port: 0 });
  const codecEndpoint = `http://127.0.0.1:${(codec.server.address() as AddressInfo).port}`;
  [server, browser, inbox] = await Promise.all([
    startDevServer({ namespace: 'default', port, uiPort, cliPath: process.env.TEMPORAL_CLI_PATH }, { dbFile: null, codecEndpoint, startTimeoutMs: 60_000 }),
    chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'] }),
    startInbox(),
  ]);
  connection = await Connection.connect({ address: server.address });
  client = new Client({ connection, dataConverter: testDataConverter });
  nativeConnection = await NativeConnection.connect({ address: server.address });
  const taskQueue = uniqueTaskQueue('ui');
  worker = await Worker.create({
    connection: nativeConnection,
    taskQueue,
    workflowBundle: await journeyWorkflowBundle(),
    activities: createActivities({ db: testDb.db, mailer: mailerFor(inbox), publicBaseUrl: 'http://127.0.0.1:3000' }),
    dataConverter: testDataConverter,
  });
  running = worker.run();
  await startJourney(client, taskQueue, await storePolicy(testDb.db.prisma, policy), { caseCode: CASE, province: 'VN-DN', leadAgencyId: 'dn-health' });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await client?.workflow.getHandle(journeyWorkflowId(CASE)).terminate('test finished').catch(() => undefined);
  worker?.shutdown();
  await running;
  await nativeConnection?.close();
  await connection?.close();
  await codec?.close();
  await server?.stop();
  await inbox?.close();
  await testDb?.close();
});

/** The cells of the reception task's row in the rendered current details, from whichever frame shows them. */
async function receptionRowOfCurrentDetails(page: Page, timeoutMs = 30_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const frame of page.frames()) {
      const row = frame.locator('table', { hasText: 'escalation step' }).locator('tr', { hasText: `${CASE}/reception` });
      if ((await row.count()) > 0) return (await row.first().locator('td').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
    }
    if (Date.now() > deadline) throw new Error('the current details never showed the reception task');
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Until the journey's Overdue search attribute is set, as the UI's filter will see it. */
async function untilOverdue(timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { typedSearchAttributes } = await client.workflow.getHandle(journeyWorkflowId(CASE)).describe();
    if (typedSearchAttributes.get(Overdue) === true) return;
    if (Date.now() > deadline) throw new Error('the journey did not become overdue');
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('a manager filters Overdue = true in the Web UI, opens the journey and reads its details decoded through the codec server', async () => {
  await untilOverdue();
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const decodes = () => testDb.db.prisma.auditEvent.count({ where: { action: 'temporal-payloads.decode' } });
  const before = await decodes();

  const page = await (await browser.newContext({ viewport: { width: 1400, height: 1000 }, locale: 'en-US' })).newPage();
  await page.goto(`${server.uiUrl}/namespaces/default/workflows?query=${encodeURIComponent('Overdue = true')}`);
  const row = page.getByRole('link', { name: journeyWorkflowId(CASE) });
  await row.waitFor({ timeout: 30_000 });
  await page.screenshot({ path: path.join(SCREENSHOTS, 'temporal-ui-overdue.png'), fullPage: true });

  await row.click();
  await page.getByRole('heading', { name: journeyWorkflowId(CASE) }).waitFor({ timeout: 30_000 });
  // The current details (src/workflows/details.ts) in the User Metadata tab, rendered from markdown
  // in the UI's sandboxed frame: a table whose header and late reception row only decoded details carry.
  await page.getByRole('link', { name: 'User Metadata' }).or(page.getByRole('tab', { name: 'User Metadata' })).first().click();
  await page.getByText('Current Details').waitFor();
  const cells = await receptionRowOfCurrentDetails(page);
  expect(cells).toEqual(expect.arrayContaining([`${CASE}/reception`, 'dn-health', 'open']));
  expect(cells.some((c) => c.startsWith('acknowledge by '))).toBe(true);
  await page.screenshot({ path: path.join(SCREENSHOTS, 'temporal-ui-journey-details.png'), fullPage: true });

  // Decoded by our codec server, for this UI's origin, each decode audited; the raw details are ciphertext.
  expect(await decodes()).toBeGreaterThan(before);
  const raw = await connection.workflowService.queryWorkflow({ namespace: 'default', execution: { workflowId: journeyWorkflowId(CASE) }, query: { queryType: '__temporal_workflow_metadata' } });
  expect(Buffer.from(raw.queryResult!.payloads![0]!.data!).includes(Buffer.from(CASE))).toBe(false);
});
