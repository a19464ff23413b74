/**
 * Prometheus metrics on the API's GET /metrics and the worker's metrics server: the Temporal SDK's
 * runtime metrics (its exporter installed with the runtime, before any connection, as `launch`
 * does) and the service's own, which move when a real journey (demo policy: one day lasts a
 * minute) escalates to a caseworker nobody can reach. The worker's endpoint needs METRICS_TOKEN
 * when it has one, and answers nobody off loopback without one.
 */
import { installTemporalRuntime } from '../../src/metrics/sdk-runtime';
import { metricsExposition } from '../../src/metrics/exposition';
import { startMetricsServer, type MetricsServer } from '../../src/metrics/server';
import type { ApiHarness } from './support/harness';

let h: ApiHarness;
let sdkMetricsUrl: string;
const servers: MetricsServer[] = [];

beforeAll(async () => {
  // Before the harness (whose imports would install a runtime without metrics) and any connection.
  ({ sdkMetricsUrl } = await installTemporalRuntime('WARN'));
  const { createApiHarness } = await import('./support/harness');
  h = await createApiHarness({ metrics: { sdkMetricsUrl } });
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await h?.close();
});

const scrape = async () => {
  const res = await h.call('anonymous', 'GET', '/metrics');
  expect(res.status).toBe(200);
  return res;
};
/** A sample's value in the exposition text; 0 when absent. */
function sample(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

test('GET /metrics serves the SDK runtime metrics and the service’s own in the Prometheus format', async () => {
  const res = await scrape();
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  // The SDK's worker metrics: the harness runs a worker on this runtime.
  expect(res.text).toMatch(/^temporal_\w+/m);
  expect(res.text).toMatch(/^temporal_\w+\{[^}]*task_queue="api-/m);
  for (const name of ['donghanh_tasks_overdue', 'donghanh_escalations_total', 'donghanh_notification_failures_total']) expect(res.text).toContain(`# TYPE ${name} `);
});

test('an escalation to an unreachable caseworker moves the escalation, failure and overdue metrics', async () => {
  // Nobody at the health department can be reached by email or SMS: the first step's messages fail for good.
  await h.db.prisma.staffMember.updateMany({ where: { agencyId: 'dn-health', role: 'caseworker' }, data: { email: null, phone: null } });
  const before = (await scrape()).text;
  expect(sample(before, 'donghanh_escalations_total', 'step="1"')).toBe(0);

  const { startJourney } = await import('../../src/client/journeys');
  const { loadPolicy } = await import('../../src/policy');
  const { uniqueCode } = await import('./support/harness');
  const { storePolicy } = await import('../../src/db/policy-bodies');
  const code = uniqueCode('DN');
  const { oneStageAtATime } = await import('../support/journey-harness');
  // One stage at a time: reception's is the one escalation (verification would open with it and escalate too).
  await startJourney(h.client, h.taskQueue, await storePolicy(h.db.prisma, oneStageAtATime(loadPolicy('demo'))), { caseCode: code, province: 'VN-DN', leadAgencyId: 'dn-health' });
  h.opened.push(code);

  // Demo policy: the reception must be acknowledged within 10 s; then its ladder's first step fires.
  const deadline = Date.now() + 60_000;
  let text = before;
  while (sample(text, 'donghanh_escalations_total', 'step="1"') < 1 || !/^donghanh_notification_failures_total\{/m.test(text)) {
    if (Date.now() > deadline) throw new Error(`no escalation in the metrics:\n${text.split('\n').filter((l) => l.startsWith('donghanh_')).join('\n')}`);
    await new Promise((r) => setTimeout(r, 250));
    text = (await scrape()).text;
  }
  expect(sample(text, 'donghanh_escalations_total', 'step="1"')).toBe(1);
  const failed = await h.db.prisma.notification.findMany({ where: { taskId: `${code}/reception`, status: 'failed' } });
  expect(failed.length).toBeGreaterThan(0);
  // Each failed message once, under its channel and reason.
  for (const channel of new Set(failed.map((f) => f.channel))) {
    const reasons = failed.filter((f) => f.channel === channel).map((f) => f.error!.split(':')[0]!);
    for (const reason of new Set(reasons)) expect(sample(text, 'donghanh_notification_failures_total', `channel="${channel}",reason="${reason}"`)).toBe(reasons.filter((r) => r === reason).length);
  }
  expect(sample(text, 'donghanh_tasks_overdue', 'province="VN-DN"')).toBeGreaterThanOrEqual(1);
  // No case code or name in any label.
  expect(text).not.toContain(code);
});

test('the worker’s metrics server: the same metrics; a token when configured; nobody off loopback without one', async () => {
  const exposition = metricsExposition(h.serviceMetrics!.registry, sdkMetricsUrl);
  const open = await startMetricsServer(exposition, { host: '127.0.0.1', port: 0 }, { token: null, open: true });
  const guarded = await startMetricsServer(exposition, { host: '127.0.0.1', port: 0 }, { token: 'a-metrics-token-of-some-length', open: true });
  const closed = await startMetricsServer(exposition, { host: '127.0.0.1', port: 0 }, { token: null, open: false });
  servers.push(open, guarded, closed);

  const body = await (await fetch(open.url)).text();
  expect(body).toMatch(/^temporal_\w+/m);
  expect(body).toContain('donghanh_escalations_total{step="1"} 1');
  expect((await fetch(guarded.url)).status).toBe(401);
  expect((await fetch(guarded.url, { headers: { authorization: 'Bearer wrong-token-of-the-same-size' } })).status).toBe(401);
  expect((await fetch(guarded.url, { headers: { authorization: 'Bearer a-metrics-token-of-some-length' } })).status).toBe(200);
  expect((await fetch(closed.url)).status).toBe(403);
  expect((await fetch(open.url.replace('/metrics', '/other'))).status).toBe(404);
  expect((await fetch(open.url, { method: 'POST' })).status).toBe(405);
});
