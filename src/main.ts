/**
 * The service: database migrations (and the demo seed where configured), the journey worker, the
 * daily digest schedule and the API, against the configured Temporal cluster, SMTP relay and SMS
 * provider. `node dist/src/main.js` runs it in production; `npm start` (src/local/start.ts) first
 * starts the local peers (Temporal dev server, mail catcher, SMS gateway) and then runs this.
 *
 * SERVICE_ROLE splits it for replicas: `api` (migrations, digest and report schedules, HTTP API), `worker`
 * (the journey worker, as src/worker.ts), `all` (the default: everything in one process).
 */
import type { DataConverter } from '@temporalio/common';
import { notificationDeps } from './activities/from-config';
import { buildApi } from './api/server';
import { ensureDevKeys } from './auth/dev-keys';
import { securityFromConfig, type Security } from './auth/security';
import { config as loadConfig, type Config } from './config';
import { openDatabase, type Database } from './db/client';
import { migrateDatabase } from './db/migrate';
import { seedDemoData } from './db/seed';
import { launch, type Lifecycle } from './lifecycle';
import type { Logger } from './logger';
import { startCodecServer } from './codec-server';
import { metricsExposition } from './metrics/exposition';
import { sdkMetricsUrl } from './metrics/sdk-runtime';
import { createServiceMetrics, type ServiceMetrics } from './metrics/service-metrics';
import { ensureDigestSchedule } from './notifications/digest-schedule';
import { ensureProgrammeReportSchedule } from './reports/schedule';
import { AesGcmPayloadCodec, journeyDataConverter } from './temporal/codec';
import { codecKeyringFromConfig } from './temporal/codec-keys';
import { connectClient } from './temporal/connection';
import { assertSearchAttributesRegistered } from './temporal/search-attributes';
import { createMailer, type Mailer } from './transports/email';
import { createSmsSender } from './transports/sms';
import { runJourneyWorker, runWorkerProcess } from './worker';

export { launch };

export interface Service {
  /** The file holding one demo API key per role, when the config asked for them. */
  devKeysFile?: string;
  /** The worker's GET /healthz, when this process runs a worker with one. */
  workerHealthUrl?: string;
  /** The codec server the Web UI decodes payloads through (beside the API). */
  codecServerUrl?: string;
  /** The worker's GET /metrics, when this process runs a worker with one. */
  workerMetricsUrl?: string;
}

/** The secrets the API needs, checked (or, locally, generated) before anything starts. */
export function prepareSecurity(cfg: Config, log: Logger): Security {
  if (cfg.demoOnNetwork.length) {
    log.warn({ apiHost: cfg.api.host, demo: cfg.demoOnNetwork }, `ALLOW_DEMO_ON_NETWORK=true: ${cfg.demoOnNetwork.join(', ')} reachable from the network on ${cfg.api.host}`);
  }
  const { security, generatedFile } = securityFromConfig(cfg.access, cfg.api.publicBaseUrl);
  if (generatedFile) log.warn({ file: generatedFile }, 'using locally generated API secrets (set PERSONAL_DATA_KEYS and ACTION_LINK_SECRET outside the local setup)');
  return security;
}

/** `security` is the API's (prepareSecurity); a worker-only process (SERVICE_ROLE=worker) needs none. */
export async function runService(cfg: Config, log: Logger, life: Lifecycle, security?: Security): Promise<Service> {
  if (cfg.role === 'worker') {
    const worker = await runWorkerProcess(cfg, log, life);
    return { workerHealthUrl: worker.healthUrl, workerMetricsUrl: worker.metricsUrl };
  }
  if (!security) throw new Error(`SERVICE_ROLE=${cfg.role} runs the API, which needs its secrets (prepareSecurity)`);
  // Before anything starts: against an external cluster no codec keys is a refusal to start.
  const { keyring, generatedFile } = codecKeyringFromConfig(cfg.codec);
  if (generatedFile) log.warn({ file: generatedFile }, 'using locally generated Temporal codec keys (set TEMPORAL_CODEC_KEYS outside the local setup)');
  const dataConverter = journeyDataConverter(keyring);
  const { db, devKeysFile } = await openData(cfg, log, life);
  const mailer = createMailer(cfg.mail, cfg.notifications.smtpTls);
  life.onStop('mailer', mailer.close);

  const { client, connection } = await connectClient(cfg.temporal, dataConverter);
  life.onStop('temporal client', () => connection.close());
  await assertSearchAttributesRegistered(client, cfg.temporal.namespace);
  // One registry for the process: the worker's activities move its counters, the API serves them.
  const metrics = createServiceMetrics(db);
  const worker = cfg.role === 'all' ? await runWorker(cfg, log, life, { db, mailer, security, metrics, dataConverter }) : {};
  if (cfg.notifications.digest) {
    // Idempotent: an existing schedule is updated to the configured time.
    await ensureDigestSchedule(client, { taskQueue: cfg.temporal.taskQueue, ...cfg.notifications.digest });
  }
  if (cfg.programmeReport) {
    const { nationalRecipients: _, ...schedule } = cfg.programmeReport;
    await ensureProgrammeReportSchedule(client, { taskQueue: cfg.temporal.taskQueue, ...schedule });
  }

  const api = buildApi({
    temporal: client,
    taskQueue: cfg.temporal.taskQueue,
    policy: cfg.policy,
    db,
    logger: log,
    security,
    notifier: { mailer, sms: createSmsSender(cfg.notifications.sms) },
    smsStatus: { authToken: cfg.notifications.sms.authToken, publicBaseUrl: cfg.api.publicBaseUrl, rateLimitPerMinute: cfg.access.rateLimitPerMinute, metrics },
    metrics: { exposition: metricsExposition(metrics.registry, sdkMetricsUrl()), access: { token: cfg.metrics.token, open: cfg.metrics.apiOpen } },
    reporting: cfg.reporting,
  });
  await api.listen({ host: cfg.api.host, port: cfg.api.port });
  life.onStop('api', () => api.close());
  const codecServer = await startCodecServer(cfg, { codec: new AesGcmPayloadCodec(keyring), db, security, logger: log });
  life.onStop('codec server', codecServer.close);
  return { devKeysFile, workerHealthUrl: worker.healthUrl, workerMetricsUrl: worker.metricsUrl, codecServerUrl: codecServer.url };
}

async function openData(cfg: Config, log: Logger, life: Lifecycle) {
  const { applied } = await migrateDatabase(cfg.databaseUrl, { postgres: cfg.postgres });
  const db = openDatabase(cfg.databaseUrl, cfg.postgres);
  life.onStop('database', db.close);
  const { seeded } = cfg.demoData ? await seedDemoData(db.prisma) : { seeded: false };
  log.info({ migrationsApplied: applied, demoDataSeeded: seeded }, 'database ready');
  const devKeys = cfg.access.devKeys ? await ensureDevKeys(db.prisma, cfg.access.devKeysFile) : undefined;
  return { db, devKeysFile: devKeys?.file };
}

function runWorker(cfg: Config, log: Logger, life: Lifecycle, deps: { db: Database; mailer: Mailer; security: Security; metrics: ServiceMetrics; dataConverter: DataConverter }) {
  const activityDeps = { db: deps.db, mailer: deps.mailer, metrics: deps.metrics, publicBaseUrl: cfg.api.publicBaseUrl, ...notificationDeps(cfg, deps.security.actionLinks, deps.security.taskLinks) };
  return runJourneyWorker(cfg, log, life, activityDeps, deps.dataConverter);
}

/** Production has its own Temporal cluster, SMTP relay and SMS provider: no local stand-in runs here. */
function localPeersConfigured(cfg: Config): string[] {
  return [
    cfg.temporal.embedded && 'TEMPORAL_ADDRESS',
    cfg.mail.embedded && 'SMTP_HOST',
    cfg.notifications.sms.embedded && 'TWILIO_BASE_URL',
  ].filter((name): name is string => Boolean(name));
}

if (require.main === module) {
  void launch(async (cfg, log, life) => {
    const missing = localPeersConfigured(cfg);
    if (missing.length) throw new Error(`set ${missing.join(', ')} to run the service (npm start runs local stand-ins for them)`);
    // A worker holds no personal-data keys: it never reads personal data.
    await runService(cfg, log, life, cfg.role === 'worker' ? undefined : prepareSecurity(cfg, log));
    const api = cfg.role === 'worker' ? undefined : `http://${cfg.api.host}:${cfg.api.port}`;
    log.info({ role: cfg.role, api, temporal: cfg.temporal.address }, 'Đồng Hành is running');
  });
}
