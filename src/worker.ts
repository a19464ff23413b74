/**
 * The worker: runs journey workflows and their activities on the configured task queue.
 * `node dist/src/worker.js` (or `SERVICE_ROLE=worker node dist/src/main.js`) runs it alone;
 * `npm start` runs it beside the API (src/main.ts).
 *
 * In production it stops gracefully: on SIGTERM/SIGINT it polls no more tasks, lets running
 * activities finish for WORKER_SHUTDOWN_GRACE (then cancels them), hands its cached workflows back
 * to the server and exits 0; its health endpoint (src/worker-health.ts) answers 503 meanwhile.
 */
import type { DataConverter } from '@temporalio/common';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from './activities';
import { notificationDeps } from './activities/from-config';
import { actionLinksFromConfig, taskLinksFromConfig } from './auth/security';
import type { Config } from './config';
import { openDatabase } from './db/client';
import { launch, type Lifecycle } from './lifecycle';
import type { Logger } from './logger';
import { journeyDataConverter } from './temporal/codec';
import { codecKeyringFromConfig } from './temporal/codec-keys';
import { connectClient, connectWorkerConnection } from './temporal/connection';
import { assertSearchAttributesRegistered } from './temporal/search-attributes';
import { journeyWorkflowCode } from './temporal/workflow-bundle';
import { createMailer } from './transports/email';
import { startWorkerHealth } from './worker-health';
import { metricsExposition } from './metrics/exposition';
import { sdkMetricsUrl } from './metrics/sdk-runtime';
import { startMetricsServer } from './metrics/server';
import { createServiceMetrics } from './metrics/service-metrics';

/**
 * After the grace period activities are cancelled; this much more is allowed for them to notice
 * before the SDK gives up (GracefulShutdownPeriodExpiredError) and the process exits 1.
 */
export const SHUTDOWN_FORCE_MARGIN_MS = 5_000;

/** WORKER_* settings → Worker options; unset tuning keeps the SDK's defaults. */
export function workerOptionsFromConfig(worker: Config['worker']): Partial<WorkerOptions> {
  const t = worker.tuning;
  const defined = <T extends object>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
  return {
    shutdownGraceTime: worker.shutdownGraceMs,
    shutdownForceTime: worker.shutdownGraceMs + SHUTDOWN_FORCE_MARGIN_MS,
    ...defined({
      maxConcurrentActivityTaskExecutions: t.maxConcurrentActivityTaskExecutions,
      maxConcurrentWorkflowTaskExecutions: t.maxConcurrentWorkflowTaskExecutions,
      maxCachedWorkflows: t.maxCachedWorkflows,
      workflowThreadPoolSize: t.workflowThreadPoolSize,
    }),
    ...(t.workflowPollers === undefined ? {} : { workflowTaskPollerBehavior: { type: 'simple-maximum', maximum: t.workflowPollers } }),
    ...(t.activityPollers === undefined ? {} : { activityTaskPollerBehavior: { type: 'simple-maximum', maximum: t.activityPollers } }),
  };
}

/** Without `worker` settings the workflows are bundled from source, as tests want. */
export async function createJourneyWorker(
  temporal: Config['temporal'],
  connection: NativeConnection,
  deps: ActivityDeps,
  dataConverter: DataConverter,
  worker?: Config['worker'],
  log?: Logger,
): Promise<Worker> {
  const { code, bundling } = journeyWorkflowCode(worker?.workflowBundle ?? { kind: 'off' }, require.resolve('./workflows'));
  if (bundling && worker) log?.info({ why: bundling }, 'bundling the workflows');
  return Worker.create({
    ...(worker ? workerOptionsFromConfig(worker) : {}),
    connection,
    // Encrypts every payload and failure the worker sends (src/temporal/codec.ts).
    dataConverter,
    namespace: temporal.namespace,
    taskQueue: temporal.taskQueue,
    ...code,
    activities: createActivities(deps),
  });
}

/**
 * Connects, creates and runs the journey worker (and its health endpoint, when configured),
 * stopping both gracefully with the process. Resolves once the worker runs.
 */
export async function runJourneyWorker(cfg: Config, log: Logger, life: Lifecycle, deps: ActivityDeps, dataConverter: DataConverter): Promise<{ healthUrl?: string; metricsUrl?: string }> {
  const connection = await connectWorkerConnection(cfg.temporal);
  life.onStop('temporal worker connection', () => connection.close());
  const worker = await createJourneyWorker(cfg.temporal, connection, deps, dataConverter, cfg.worker, log);
  // Registered before the worker's stop, so it still answers (503) while the worker drains.
  const health = cfg.worker.health ? await startWorkerHealth(() => worker.getState(), cfg.worker.health) : undefined;
  if (health) life.onStop('worker health', health.close);
  const metricsAt = cfg.metrics.worker;
  const metrics = metricsAt && deps.metrics ? await startMetricsServer(metricsExposition(deps.metrics.registry, sdkMetricsUrl()), metricsAt, { token: cfg.metrics.token, open: metricsAt.open }) : undefined;
  if (metrics) life.onStop('worker metrics', metrics.close);
  const running = worker.run();
  life.onStop('worker', async () => {
    // The SDK also starts this on SIGINT/SIGTERM by itself.
    if (worker.getState() === 'RUNNING') worker.shutdown();
    log.info({ graceMs: cfg.worker.shutdownGraceMs }, 'worker draining');
    await running;
  });
  running.catch((error: unknown) => {
    log.error({ err: error }, 'worker failed');
    void life.shutdown('worker failed', 1);
  });
  log.info({ taskQueue: cfg.temporal.taskQueue, namespace: cfg.temporal.namespace, health: health?.url, metrics: metrics?.url }, 'worker running');
  return { healthUrl: health?.url, metricsUrl: metrics?.url };
}

/** The worker alone: no API, no migrations (an API replica runs those), no digest schedule. */
export async function runWorkerProcess(cfg: Config, log: Logger, life: Lifecycle): Promise<{ healthUrl?: string; metricsUrl?: string }> {
  if (!cfg.access.actionLinkSecret && !cfg.access.localSecretsFile) {
    // Without it messages would silently lose their one-click and short task links.
    throw new Error('ACTION_LINK_SECRET must be configured when Temporal is external (TEMPORAL_ADDRESS is set): the same value as the API replicas, which check the links the worker signs');
  }
  // Refuses to start without codec keys against an external cluster (before connecting anywhere).
  const dataConverter = journeyDataConverter(codecKeyringFromConfig(cfg.codec).keyring);
  const { connection: clientConnection } = await connectClient(cfg.temporal, dataConverter);
  try {
    await assertSearchAttributesRegistered(clientConnection, cfg.temporal.namespace);
  } finally {
    await clientConnection.close();
  }
  const db = openDatabase(cfg.databaseUrl, cfg.postgres);
  life.onStop('database', db.close);
  const mailer = createMailer(cfg.mail, cfg.notifications.smtpTls);
  life.onStop('mailer', mailer.close);
  const publicBaseUrl = cfg.api.publicBaseUrl;
  return runJourneyWorker(cfg, log, life, {
    db,
    mailer,
    metrics: createServiceMetrics(db),
    publicBaseUrl,
    ...notificationDeps(cfg, actionLinksFromConfig(cfg.access, publicBaseUrl), taskLinksFromConfig(cfg.access, publicBaseUrl)),
  }, dataConverter);
}

if (require.main === module) {
  void launch(async (cfg, log, life) => {
    await runWorkerProcess(cfg, log, life);
  });
}
