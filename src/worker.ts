/**
 * The worker: runs journey workflows and their activities on the configured task queue.
 * `node dist/src/worker.js` runs it alone; `npm start` runs it beside the API (src/main.ts).
 */
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from './activities';
import { config as loadConfig, type Config } from './config';
import { openDatabase } from './db/client';
import { createLogger } from './logger';
import { connectClient, connectWorkerConnection } from './temporal/connection';
import { assertSearchAttributesRegistered } from './temporal/search-attributes';
import { createMailer } from './transports/email';
import { notificationDeps } from './activities/from-config';
import { actionLinksFromConfig, taskLinksFromConfig } from './auth/security';

export async function createJourneyWorker(
  temporal: Config['temporal'],
  connection: NativeConnection,
  deps: ActivityDeps,
): Promise<Worker> {
  return Worker.create({
    connection,
    namespace: temporal.namespace,
    taskQueue: temporal.taskQueue,
    workflowsPath: require.resolve('./workflows'),
    activities: createActivities(deps),
  });
}

async function main() {
  const cfg = loadConfig();
  const log = createLogger(cfg.logLevel, 'worker');
  const { connection: clientConnection } = await connectClient(cfg.temporal);
  await assertSearchAttributesRegistered(clientConnection, cfg.temporal.namespace);
  await clientConnection.close();

  const db = openDatabase(cfg.databaseUrl);
  const mailer = createMailer(cfg.mail, cfg.notifications.smtpTls);
  const connection = await connectWorkerConnection(cfg.temporal);
  const worker = await createJourneyWorker(cfg.temporal, connection, { db, mailer, publicBaseUrl: cfg.api.publicBaseUrl, ...notificationDeps(cfg, actionLinksFromConfig(cfg.access, cfg.api.publicBaseUrl), taskLinksFromConfig(cfg.access, cfg.api.publicBaseUrl)) });
  log.info({ taskQueue: cfg.temporal.taskQueue, namespace: cfg.temporal.namespace }, 'worker running');
  try {
    await worker.run(); // returns after SIGINT/SIGTERM, once in-flight work is handed back
  } finally {
    mailer.close();
    await db.close();
    await connection.close();
  }
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
