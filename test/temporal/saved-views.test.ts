/**
 * The managers' saved views, run as they are documented: the real `temporal workflow list --query`
 * CLI against the suite's dev server, over real journeys (worker, activities, database, SMTP) put in
 * known states, each view returning exactly the journeys it should. Also: docs/saved-views.md is
 * what the data renders.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../src/activities';
import { startJourney } from '../../src/client/journeys';
import { storePolicy } from '../../src/db/policy-bodies';
import type { ProvinceCode } from '../../src/domain/provinces';
import { resolveTemporalCli } from '../../src/local/temporal-binaries';
import { loadPolicy } from '../../src/policy';
import { JourneyPolicy } from '../../src/policy/schema';
import { SAVED_VIEWS, viewQuery } from '../../src/temporal/saved-views';
import { SAVED_VIEWS_DOC, savedViewsMarkdown } from '../../src/temporal/saved-views-doc';
import { EscalationLevel, Overdue } from '../../src/temporal/search-attributes';
import { waitForState, waitUntilIdle } from '../support/journey-harness';
import { advanceTo, complete } from '../support/journey-steps';
import { testDataConverter } from '../support/codec';
import { mailerFor, startInbox, type Inbox } from '../support/smtp';
import { connectToSuiteServer, journeyWorkflowBundle, suiteServerAddress, uniqueTaskQueue } from '../support/temporal';
import { addHanoiHealthDepartment, createTestDatabase, type TestDatabase } from '../support/test-database';

const run = promisify(execFile);
const DAY = 86_400_000;

/** The default procedure, but reception is late after a second and climbs three steps in two more. */
const policy = JourneyPolicy.parse({
  ...structuredClone(loadPolicy('default')),
  id: 'saved-views-test',
  ladders: {
    ...loadPolicy('default').ladders,
    fast: {
      steps: [
        { after: '0s', notify: ['assignee'], channels: ['email'] },
        { after: '1s', notify: ['supervisor'], channels: ['email'] },
        { after: '2s', notify: ['focal_point'], channels: ['email'] },
      ],
      repeatEvery: '1h',
      maxRepeats: 0,
    },
  },
  stages: loadPolicy('default').stages.map((s) =>
    s.key === 'reception' ? { ...s, tasks: s.tasks.map((t) => ({ ...t, acknowledgeWithin: '1s', ladder: 'fast' })) } : s,
  ),
});

let env: TestWorkflowEnvironment;
let testDb: TestDatabase;
let inbox: Inbox;
let worker: Worker;
let running: Promise<void>;
const taskQueue = uniqueTaskQueue('saved-views');
const tag = taskQueue.slice(-6).toUpperCase();
const code = (name: string) => `SV-${tag}-${name}`;

beforeAll(async () => {
  env = await connectToSuiteServer();
  testDb = await createTestDatabase();
  await addHanoiHealthDepartment(testDb.db);
  inbox = await startInbox();
  const activities = createActivities({ db: testDb.db, mailer: mailerFor(inbox), publicBaseUrl: 'http://127.0.0.1:3000' });
  worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: await journeyWorkflowBundle(), activities, dataConverter: testDataConverter });
  running = worker.run();
});

afterAll(async () => {
  const handles = await Promise.all(['A', 'B', 'C', 'D', 'E'].map((n) => env.client.workflow.getHandle(`journey-${code(n)}`)));
  await Promise.all(handles.map((h) => h.terminate('test finished').catch(() => undefined)));
  worker?.shutdown();
  await running;
  await inbox?.close();
  await testDb?.close();
  await env?.teardown();
});

async function start(name: string, province: ProvinceCode = 'VN-DN', leadAgencyId = 'dn-health') {
  return startJourney(env.client, taskQueue, await storePolicy(testDb.db.prisma, policy), { caseCode: code(name), province, leadAgencyId });
}

/** Waits until the journey's own search attributes (read from its state, not from visibility) hold. */
async function settled(handle: WorkflowHandle, ready: (overdue?: boolean, level?: number) => boolean) {
  for (let i = 0; i < 1000; i++) {
    await waitUntilIdle(handle);
    const sa = (await handle.describe()).typedSearchAttributes;
    if (ready(sa.get(Overdue), sa.get(EscalationLevel))) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${handle.workflowId} did not settle`);
}

/** The case codes `temporal workflow list --query` returns for the query, among this file's journeys. */
async function list(query: string): Promise<string[]> {
  const cli = resolveTemporalCli(process.env.TEMPORAL_CLI_PATH);
  if (cli.type !== 'existing-path') throw new Error('no temporal CLI: run node scripts/setup.mjs');
  const scoped = `(${query}) AND TaskQueue = "${taskQueue}"`;
  const { stdout } = await run(cli.path, ['workflow', 'list', '--address', suiteServerAddress(), '--namespace', 'default', '--query', scoped, '-o', 'json']);
  const rows = parseRows(stdout);
  return rows.map((r) => r.execution.workflowId.replace('journey-', '')).sort();
}

/** `-o json` prints one JSON document per execution or one array, depending on the CLI version. */
function parseRows(stdout: string): { execution: { workflowId: string } }[] {
  const text = stdout.trim();
  if (!text) return [];
  if (text.startsWith('[')) return JSON.parse(text);
  return text.split(/\n(?=\{)/).map((doc) => JSON.parse(doc));
}

/** Visibility follows the journeys a moment later: ask again until the answer is the expected one, then compare. */
async function listEventually(query: string, expected: string[]): Promise<string[]> {
  let last: string[] = [];
  for (let i = 0; i < 60; i++) {
    last = await list(query);
    if (JSON.stringify(last) === JSON.stringify(expected)) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  return last;
}

const view = (name: string) => SAVED_VIEWS.find((v) => v.name === name)!;

test('each saved view returns exactly the journeys in its state, through the temporal CLI', async () => {
  // A and B are never acknowledged: late, then escalated to step 3 (Đà Nẵng and Hà Nội).
  const a = await start('A');
  const b = await start('B', 'VN-HN', 'hn-health');
  // C reaches verification before the cutoff, E after it; D is an identified victim in support planning.
  const c = await start('C');
  await advanceTo(c, 'initial-verification');
  await waitUntilIdle(c);
  const cutoff = new Date(Date.parse((await waitForState(c, (s) => s.stage === 'initial-verification')).stageStartedAt!) + 1);
  const d = await start('D');
  await advanceTo(d, 'support-plan');
  const e = await start('E');
  await advanceTo(e, 'initial-verification');
  // F: not a victim, so its journey is over and in no view.
  const f = await start('F');
  await advanceTo(f, 'identification');
  await complete(f, 'identification-decision', { outcome: 'not_victim' });
  await complete(f, 'referral-to-other-services');
  await f.result();

  await settled(a, (overdue, level) => overdue === true && level === 3);
  await settled(b, (overdue, level) => overdue === true && level === 3);
  for (const h of [c, d, e]) await settled(h, (overdue, level) => overdue === false && level === 0);
  expect((await waitForState(e, (s) => s.stage === 'initial-verification')).stageStartedAt! > cutoff.toISOString()).toBe(true);

  const threeDaysLater = new Date(cutoff.getTime() + 3 * DAY);
  const expectations: [string, string, string[]][] = [
    ['overdue-in-my-province (VN-DN)', viewQuery(view('overdue-in-my-province'), { policy, province: 'VN-DN' }), [code('A')]],
    ['overdue-in-my-province (VN-HN)', viewQuery(view('overdue-in-my-province'), { policy, province: 'VN-HN' }), [code('B')]],
    ['escalated-step-3', viewQuery(view('escalated-step-3'), { policy }), [code('A'), code('B')]],
    // A and B too: their verification opened with reception, before the cutoff, and is still open.
    ['verification-open-over-3-days', viewQuery(view('verification-open-over-3-days'), { policy, now: threeDaysLater }), [code('A'), code('B'), code('C')]],
    ['verification-open-over-3-days (now)', viewQuery(view('verification-open-over-3-days'), { policy, now: new Date() }), []],
    ['identified-victims-in-support', viewQuery(view('identified-victims-in-support'), { policy }), [code('D')]],
  ];
  const results: Record<string, string[]> = {};
  for (const [name, query, expected] of expectations) results[name] = await listEventually(query, expected);
  expect(results).toEqual(Object.fromEntries(expectations.map(([name, , expected]) => [name, expected])));
}, 120_000);

test('a province that is not a known code is refused before it reaches a query', () => {
  expect(() => viewQuery(view('overdue-in-my-province'), { policy, province: 'VN-DN" OR Province != "' })).toThrow();
});

test('docs/saved-views.md is generated from the saved views (npm run docs:saved-views)', () => {
  const committed = fs.readFileSync(path.join(__dirname, '..', '..', SAVED_VIEWS_DOC), 'utf8');
  expect(committed).toBe(savedViewsMarkdown());
  for (const v of SAVED_VIEWS) expect(committed).toContain(v.name);
});
