/**
 * `npm start`: the whole service on embedded defaults, in one supervised process tree. The local
 * stand-ins the config asks for (Temporal dev server with its SQLite file under data/, mail
 * catcher, SMS gateway) start first, then the service itself (src/main.ts): the API in this
 * process, the worker as a child process that is restarted when it crashes
 * (worker-supervisor.ts). Ctrl-C stops everything in reverse order; if this process is killed
 * outright, the dev server (exit-with-parent.ts) and the worker stop by themselves.
 */
import fs from 'node:fs';
import path from 'node:path';
import { LOCAL_WORKER_HEALTH_PORT, LOCAL_WORKER_METRICS_PORT, type Config } from '../config';
import type { Lifecycle } from '../lifecycle';
import type { Logger } from '../logger';
import { SMS_INBOUND_PATH } from '../api/routes/sms-inbound';
import { launch, prepareSecurity, runService, type Service } from '../main';
import { startMailCatcher } from './mail-catcher';
import { assertPortFree } from './ports';
import { startSmsGateway } from './sms-gateway';
import { startDevServer } from './temporal-dev-server';
import { superviseWorker } from './worker-supervisor';
import { SHUTDOWN_FORCE_MARGIN_MS } from '../worker';

interface LocalPeers {
  uiUrl?: string;
  mailUrl?: string;
  smsUrl?: string;
}

async function startLocalPeers(cfg: Config, log: Logger, life: Lifecycle): Promise<LocalPeers> {
  const peers: LocalPeers = {};
  if (cfg.temporal.embedded) {
    // The server's own banner repeats what we print below; keep its warnings and errors.
    const server = await startDevServer(cfg.temporal, {
      guard: true,
      // The codec server starts with the API (src/main.ts); the UI calls it only when a page opens.
      codecEndpoint: cfg.role === 'worker' ? undefined : codecEndpointOf(cfg),
      log: (line) => (/level=(WARN|ERROR)/.test(line) ? log.warn({ temporal: line }, 'temporal server') : log.debug({ temporal: line }, 'temporal server')),
    });
    life.onStop('temporal', server.stop);
    peers.uiUrl = server.uiUrl;
    void server.exited.then((why) => life.shutdown(`Temporal dev server ${why}`, 1));
  }
  if (cfg.mail.embedded) {
    const catcher = await startMailCatcher({ smtpPort: cfg.mail.port, webPort: cfg.mail.catcherWebPort, mailDirectory: path.join(cfg.dataDir, 'mail') });
    life.onStop('mail catcher', catcher.stop);
    peers.mailUrl = catcher.webUrl;
  }
  if (cfg.notifications.sms.embedded) {
    const { accountSid, authToken, gatewayPort, from } = cfg.notifications.sms;
    await assertPortFree('127.0.0.1', gatewayPort, 'SMS_GATEWAY_PORT');
    // Replies typed on the gateway's page reach the service as Twilio would post them.
    const inboundWebhookUrl = `${cfg.api.publicBaseUrl.replace(/\/+$/, '')}${SMS_INBOUND_PATH}`;
    const gateway = await startSmsGateway({ host: '127.0.0.1', port: gatewayPort, accountSid, authToken, inboundWebhookUrl, serviceNumber: from });
    life.onStop('sms gateway', gateway.close);
    peers.smsUrl = gateway.url;
  }
  return peers;
}

/** Where the browser reaches the codec server: a wildcard bind is reached on loopback. */
function codecEndpointOf(cfg: Config): string {
  const { host, port } = cfg.codec.server;
  const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
}

/** npm start always has the worker's health and metrics endpoints: WORKER_HEALTH_PORT or 3001, WORKER_METRICS_PORT or 9464, on 127.0.0.1. */
function withLocalWorkerHealth(cfg: Config): Config {
  if (cfg.role === 'api') return cfg;
  const health = cfg.worker.health ?? { host: '127.0.0.1', port: LOCAL_WORKER_HEALTH_PORT };
  const worker = cfg.metrics.worker ?? { host: '127.0.0.1', port: LOCAL_WORKER_METRICS_PORT, open: true };
  return Object.freeze({ ...cfg, worker: { ...cfg.worker, health }, metrics: { ...cfg.metrics, worker } });
}

function banner(cfg: Config, peers: LocalPeers, devKeysFile: string | undefined, workerHealthUrl: string | undefined, workerMetricsUrl: string | undefined, codecServerUrl: string | undefined): string {
  const q = cfg.notifications.quietHours;
  // Non-urgent reminders wait for the morning: say so, or a demo at night looks broken.
  const quiet = q ? `${q.start}–${q.end} ${q.timeZone}: non-urgent messages wait until the end (QUIET_HOURS=off to disable)` : 'off';
  const lines = [
    'Đồng Hành is running. Press Ctrl-C to stop.',
    `  API                http://${cfg.api.host}:${cfg.api.port}  (docs: /docs, OpenAPI: /openapi.json)`,
    devKeysFile && `  Demo API keys      ${devKeysFile}  (one per role; send as Authorization: Bearer <key>)`,
    workerHealthUrl && `  Worker health      ${workerHealthUrl}  (200 while the worker runs; WORKER_HEALTH_PORT moves it)`,
    `  Metrics            http://${cfg.api.host}:${cfg.api.port}/metrics${workerMetricsUrl ? `, worker ${workerMetricsUrl}` : ''}  (Prometheus)`,
    peers.uiUrl && `  Temporal Web UI    ${peers.uiUrl}`,
    codecServerUrl && `  Codec server       ${codecServerUrl}  (the Web UI decodes payloads here; every decode is audited)`,
    `  Temporal server    ${cfg.temporal.address} (namespace ${cfg.temporal.namespace})`,
    peers.mailUrl && `  Mail catcher       ${peers.mailUrl}  (SMTP 127.0.0.1:${cfg.mail.port})`,
    peers.smsUrl && `  SMS gateway        ${peers.smsUrl}  (GET /messages as JSON; reply to a task SMS from its page)`,
    `  Journey policy     ${cfg.journeyPolicy}`,
    `  Quiet hours        ${quiet}`,
    `  Data               ${cfg.dataDir}`,
  ];
  return `\n${lines.filter(Boolean).join('\n')}\n\n`;
}

void launch(async (configured, log, life) => {
  const cfg = withLocalWorkerHealth(configured);
  // Fail before starting anything when the API's port is taken or a secret is missing.
  await assertPortFree(cfg.api.host, cfg.api.port, 'API_PORT');
  if (cfg.role !== 'worker') await assertPortFree(cfg.codec.server.host, cfg.codec.server.port, 'CODEC_SERVER_PORT');
  if (cfg.worker.health) await assertPortFree(cfg.worker.health.host, cfg.worker.health.port, 'WORKER_HEALTH_PORT');
  if (cfg.metrics.worker) await assertPortFree(cfg.metrics.worker.host, cfg.metrics.worker.port, 'WORKER_METRICS_PORT');
  // Secrets, keys and case data go here: only the service's user may look inside.
  fs.mkdirSync(cfg.dataDir, { recursive: true, mode: 0o700 });
  const security = prepareSecurity(cfg, log);
  const peers = await startLocalPeers(cfg, log, life);
  // The API role runs the migrations the worker's database needs: it starts first.
  const service: Service = cfg.role === 'worker' ? {} : await runService({ ...cfg, role: 'api' }, log, life, security);
  const workerHealthUrl = cfg.role === 'api' ? undefined : startSupervisedWorker(cfg, log, life);
  const workerMetrics = cfg.role === 'api' ? null : cfg.metrics.worker;
  process.stdout.write(banner(cfg, peers, service.devKeysFile, workerHealthUrl, workerMetrics ? `http://${workerMetrics.host}:${workerMetrics.port}/metrics` : undefined, service.codecServerUrl));
});

/** The worker as a child process (SERVICE_ROLE=worker), restarted when it crashes; its health URL. */
function startSupervisedWorker(cfg: Config, log: Logger, life: Lifecycle): string | undefined {
  const health = cfg.worker.health;
  const metrics = cfg.metrics.worker;
  const supervisor = superviseWorker({
    entry: require.resolve('../worker'),
    // The same settings, read again by the child; the health port npm start chose is passed on.
    env: {
      // glibc gives each thread an arena of its own by default; two keep the worker's memory
      // about 130 MiB lower with 2,000 journeys open (bench/TUNING.md). A value set outside wins.
      MALLOC_ARENA_MAX: '2',
      ...process.env,
      SERVICE_ROLE: 'worker',
      ...(health ? { WORKER_HEALTH_HOST: health.host, WORKER_HEALTH_PORT: String(health.port) } : {}),
      ...(metrics ? { WORKER_METRICS_HOST: metrics.host, WORKER_METRICS_PORT: String(metrics.port) } : {}),
    },
    log,
    stopTimeoutMs: cfg.worker.shutdownGraceMs + SHUTDOWN_FORCE_MARGIN_MS + 2_000,
  });
  life.onStop('worker', supervisor.stop);
  return health ? `http://${health.host}:${health.port}/healthz` : undefined;
}
