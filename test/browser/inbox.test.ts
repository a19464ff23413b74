/**
 * A real browser on a phone-sized screen: headless Debian Chromium (installed by scripts/setup.mjs,
 * driven by playwright-core; nothing is downloaded) at 360x740 signs in to the task inbox with
 * the code the API really mailed, finds the commune's follow-up check-in, completes it as `safe`,
 * and the journey moves on to the next check-in. A screenshot is kept in artifacts/screenshots/.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { loadPolicy } from '../../src/policy';
import { advanceTo, complete, openTask } from '../support/journey-steps';
import { createApiHarness, uniqueCode, waitForCase, type ApiHarness } from '../api/support/harness';
import { waitForCode } from '../api/support/inbox-client';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = path.join(__dirname, '..', '..', 'artifacts', 'screenshots');
const COMMUNE = 'dn-commune-hoa-vang-caseworker-1@donghanh.local';
/** The person supported: never on a page of the inbox. */
const PERSON = 'Lý Thị Bí Mật';

// The default journey with check-ins a second apart, so the journey reaches its first check-in at once.
const policy = loadPolicy('default');
policy.stages.find((s) => s.key === 'follow-up')!.repeat = { every: '1s', times: 2 };

let h: ApiHarness;
let browser: Browser;
beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run node scripts/setup.mjs (it installs Debian's chromium)`);
  [h, browser] = await Promise.all([
    createApiHarness({ policy }),
    chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'] }),
  ]);
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await h?.close();
});

type State = { tasks: { id: string; key: string; status: string }[] };

/** A case whose first follow-up check-in is open at the commune and recorded. */
async function caseAtFollowUp(): Promise<string> {
  const code = uniqueCode('DN');
  const started = await h.call('coordinator', 'POST', '/cases', { body: { caseCode: code, province: 'VN-DN', leadAgencyId: 'dn-health' } });
  expect(started.status).toBe(201);
  h.opened.push(code);
  expect((await h.call('coordinator', 'PUT', `/cases/${code}/personal-data`, { body: { fullName: PERSON } })).status).toBe(204);
  const handle = h.journey(code);
  await advanceTo(handle, 'reintegration', ['legal-aid']);
  await complete(handle, 'community-reintegration');
  await complete(handle, 'social-worker-handover');
  await openTask(handle, 'follow-up-check-in');
  await waitForCase<State>(h, code, (s) => s.tasks.some((t) => t.id === `${code}/follow-up-check-in` && t.status === 'open'));
  return code;
}

test('at 360 px, a commune official signs in with a mailed code and completes a follow-up check-in as safe; the journey moves on', async () => {
  const code = await caseAtFollowUp();
  const checkIn = `${code}/follow-up-check-in`;
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'vi-VN' });
  const page = await context.newPage();

  await page.goto(`${h.baseUrl}/inbox`);
  await page.getByLabel('Email, số điện thoại hoặc mã cán bộ').fill(COMMUNE);
  await page.getByRole('button', { name: 'Gửi mã đăng nhập' }).click();
  await page.getByText('mã 6 số vừa được gửi tới').waitFor();
  const mailed = await waitForCode(h.inbox, COMMUNE);
  await page.getByLabel('Mã 6 số').fill(mailed);
  await page.getByRole('button', { name: 'Đăng nhập' }).click();
  await page.waitForURL(`${h.baseUrl}/inbox`);
  await page.getByText('Châu Thị Nga').waitFor();

  // The session cookie is out of reach of scripts.
  const cookies = await context.cookies();
  expect(cookies.find((c) => c.name === 'dh_inbox')).toMatchObject({ httpOnly: true, sameSite: 'Strict' });

  // The switch to English keeps the session.
  await page.getByRole('link', { name: 'English' }).click();
  await page.getByRole('heading', { name: /My tasks|My agency's tasks/ }).first().waitFor();
  const card = page.locator('.task', { hasText: code });
  await card.getByText('Check-in: safe and not re-trafficked').waitFor();
  expect(await page.content()).not.toContain(PERSON);
  // Phone-sized: nothing wider than the screen.
  // (The function runs in the page; the project's types have no DOM.)
  expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(360);
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, 'inbox-360x740.png'), fullPage: true });

  await card.getByRole('button', { name: /Complete: An toàn \/ Safe/ }).click();
  await page.waitForURL(/\/inbox\?lang=en&done=complete$/);
  await page.getByText('Recorded: the task is completed.').waitFor();
  await page.screenshot({ path: path.join(SCREENSHOTS, 'inbox-360x740-done.png'), fullPage: true });

  // The journey took it: the check-in is done as safe, by the inbox's staff member, and the next check-in opens.
  const moved = await waitForCase<State>(h, code, (s) => s.tasks.some((t) => t.id === `${checkIn}.2` && t.status === 'open'));
  expect(moved.tasks.find((t) => t.id === checkIn)?.status).toBe('done');
  expect((await h.db.prisma.task.findUniqueOrThrow({ where: { id: checkIn } })).outcome).toBe('safe');
  expect(await h.db.prisma.auditEvent.count({ where: { caseCode: code, action: 'task.complete', outcome: 'ok', actorType: 'inbox', actorAgencyId: 'dn-commune-hoa-vang' } })).toBe(1);
  // The pages showed the case code and the task, never the person.
  expect(await page.content()).not.toContain(PERSON);
  await context.close();
}, 120_000);
