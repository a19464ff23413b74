/**
 * `npm start`: the whole service on embedded defaults, in one supervised process tree:
 * Temporal dev server (child process, persistent under data/), database migrations and demo
 * seed, local mail catcher, worker and API. Ctrl-C stops everything in reverse order.
 */
import path from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { ensureDevKeys } from './auth/dev-keys';
import { securityFromConfig } from './auth/security';
import { buildApi } from './client/server';
import { config as loadConfig } from './config';
import { openDatabase } from './db/client';
import { migrateDatabase } from './db/migrate';
import { seedDemoData } from './db/seed';
import { createLogger } from './logger';
import { startMailCatcher } from './mail-catcher';
import { loadPolicy } from './policy';
import { assertPortFree } from './ports';
import { connectClient, connectWorkerConnection } from './temporal/connection';
import { startDevServer } from './temporal/dev-server';
import { assertSearchAttributesRegistered } from './temporal/search-attributes';
import { createMailer } from './transports/email';
import { ensureDigestSchedule } from './notifications/digest-schedule';
import { notificationDeps } from './notifications/deps';
import { startSmsGateway } from './sms-gateway';
import { createJourneyWorker } from './worker';

async function main() {
  const cfg = loadConfig();
  const log = createLogger(cfg.logLevel);
  // The SDK's own info lines (bundling, worker states) would bury the URLs a person needs.
  Runtime.install({ logger: new DefaultLogger(cfg.logLevel === 'debug' || cfg.logLevel === 'trace' ? 'DEBUG' : 'WARN') });
  const stops: { name: string; stop: () => Promise<unknown> | unknown }[] = [];
  let stopping = false;
  const shutdown = async (reason: string, exitCode: number) => {
    if (stopping) return;
    stopping = true;
    log.info({ reason }, 'stopping');
    for (const { name, stop } of stops.reverse()) {
      await Promise.resolve()
        .then(stop)
        .catch((error: unknown) => log.error({ err: error, component: name }, 'stop failed'));
    }
    process.exit(exitCode);
  };
  process.once('SIGINT', () => void shutdown('SIGINT', 0));
  process.once('SIGTERM', () => void shutdown('SIGTERM', 0));

  try {
    // Fail before starting anything when the API's port is taken.
    await assertPortFree(cfg.api.host, cfg.api.port, 'API_PORT');
    // API secrets: configured, or (local setup only) generated into DATA_DIR; fails before anything starts.
    const { security, generatedFile: secretsFile } = securityFromConfig(cfg.access, cfg.api.publicBaseUrl);
    if (secretsFile) log.warn({ file: secretsFile }, 'using locally generated API secrets (set PERSONAL_DATA_KEYS and ACTION_LINK_SECRET outside the local setup)');

    let uiUrl: string | undefined;
    if (cfg.temporal.embedded) {
      // The server's own banner repeats what we print below; keep its warnings and errors.
      const server = await startDevServer(cfg.temporal, {
        log: (line) => (/level=(WARN|ERROR)/.test(line) ? log.warn({ temporal: line }, 'temporal server') : log.debug({ temporal: line }, 'temporal server')),
      });
      stops.push({ name: 'temporal', stop: server.stop });
      uiUrl = server.uiUrl;
      void server.exited.then((why) => shutdown(`Temporal dev server ${why}`, 1));
    }

    const { applied } = await migrateDatabase(cfg.databaseUrl);
    const db = openDatabase(cfg.databaseUrl);
    stops.push({ name: 'database', stop: db.close });
    const { seeded } = cfg.demoData ? await seedDemoData(db.prisma) : { seeded: false };
    log.info({ migrationsApplied: applied, demoDataSeeded: seeded }, 'database ready');
    const devKeys = cfg.access.devKeys ? await ensureDevKeys(db.prisma, cfg.access.devKeysFile) : undefined;

    let mailUrl: string | undefined;
    if (cfg.mail.embedded) {
      const catcher = await startMailCatcher({
        smtpPort: cfg.mail.port,
        webPort: cfg.mail.catcherWebPort,
        mailDirectory: path.join(cfg.dataDir, 'mail'),
      });
      stops.push({ name: 'mail catcher', stop: catcher.stop });
      mailUrl = catcher.webUrl;
    }
    const mailer = createMailer(cfg.mail, cfg.notifications.smtpTls);
    let smsUrl: string | undefined;
    if (cfg.notifications.sms.embedded) {
      await assertPortFree('127.0.0.1', cfg.notifications.sms.gatewayPort, 'SMS_GATEWAY_PORT');
      const { accountSid, authToken, gatewayPort } = cfg.notifications.sms;
      const gateway = await startSmsGateway({ host: '127.0.0.1', port: gatewayPort, accountSid, authToken });
      stops.push({ name: 'sms gateway', stop: gateway.close });
      smsUrl = gateway.url;
    }
    stops.push({ name: 'mailer', stop: mailer.close });

    const { client, connection } = await connectClient(cfg.temporal);
    stops.push({ name: 'temporal client', stop: () => connection.close() });
    await assertSearchAttributesRegistered(client, cfg.temporal.namespace);

    const workerConnection = await connectWorkerConnection(cfg.temporal);
    const worker = await createJourneyWorker(cfg.temporal, workerConnection, { db, mailer, publicBaseUrl: cfg.api.publicBaseUrl, ...notificationDeps(cfg, security.actionLinks) });
    const running = worker.run();
    stops.push({
      name: 'worker',
      stop: async () => {
        // The SDK also stops workers on SIGINT/SIGTERM by itself.
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running;
        await workerConnection.close();
      },
    });
    running.catch((error: unknown) => {
      log.error({ err: error }, 'worker failed');
      void shutdown('worker failed', 1);
    });

    if (cfg.notifications.digest) {
      // Idempotent: an existing schedule is updated to the configured time.
      await ensureDigestSchedule(client, { taskQueue: cfg.temporal.taskQueue, ...cfg.notifications.digest });
    }

    const api = buildApi({ temporal: client, taskQueue: cfg.temporal.taskQueue, policy: loadPolicy(cfg.journeyPolicy), db, logger: log, security, smsStatus: { authToken: cfg.notifications.sms.authToken, publicBaseUrl: cfg.api.publicBaseUrl } });
    await api.listen({ host: cfg.api.host, port: cfg.api.port });
    stops.push({ name: 'api', stop: () => api.close() });

    const lines = [
      'Đồng Hành is running. Press Ctrl-C to stop.',
      `  API                http://${cfg.api.host}:${cfg.api.port}  (docs: /docs, OpenAPI: /openapi.json)`,
      devKeys && `  Demo API keys      ${devKeys.file}  (one per role; send as Authorization: Bearer <key>)`,
      uiUrl && `  Temporal Web UI    ${uiUrl}`,
      `  Temporal server    ${cfg.temporal.address} (namespace ${cfg.temporal.namespace})`,
      mailUrl && `  Mail catcher       ${mailUrl}  (SMTP 127.0.0.1:${cfg.mail.port})`,
      smsUrl && `  SMS gateway        ${smsUrl}  (GET /messages as JSON)`,
      `  Journey policy     ${cfg.journeyPolicy}`,
      `  Quiet hours        ${quietHoursLine(cfg)}`,
      `  Data               ${cfg.dataDir}`,
    ];
    process.stdout.write(`\n${lines.filter(Boolean).join('\n')}\n\n`);
  } catch (error) {
    log.error(error instanceof Error ? error.message : String(error));
    await shutdown('start-up failed', 1);
  }
}

/** Non-urgent reminders wait for the morning: say so, or a demo at night looks broken. */
function quietHoursLine(cfg: ReturnType<typeof loadConfig>): string {
  const q = cfg.notifications.quietHours;
  return q ? `${q.start}–${q.end} ${q.timeZone}: non-urgent messages wait until the end (QUIET_HOURS=off to disable)` : 'off';
}

void main();
