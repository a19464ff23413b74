/**
 * All configuration, read from the environment and validated once. Every other module takes
 * the parsed `Config` (or a part of it) as an argument instead of reading process.env.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { jwksLocationProblem } from './auth/jwt';
import { loadPolicy } from './policy';
import { durationMs } from './policy/duration';
import { Duration, PositiveDuration } from './policy/duration-schema';
import { POLICY_FILE, PolicyFileError } from './policy/file';
import type { WorkflowBundleSetting } from './temporal/workflow-bundle';
import { CodecKeyError, parseCodecKeys } from './temporal/codec-keys';

const port = z.coerce.number().int().min(1).max(65535);
const flag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

// ================================================================================================
// Deployment (issue 18): connections to any Temporal cluster (TLS, mTLS, API key) and PostgreSQL
// (pool, TLS), the worker's production settings (shutdown grace, tuning, health endpoint) and the
// process role. Everything here is checked together at start, each problem naming its variables.
// ================================================================================================

const count = (max: number) => z.coerce.number().int().min(1).max(max);

const DeploymentEnv = {
  /** PEM file of the CA that signed the cluster's server certificate (self-hosted clusters). */
  TEMPORAL_TLS_CA_PATH: z.string().min(1).optional(),
  /** Name to check the server certificate against, when it differs from TEMPORAL_ADDRESS's host. */
  TEMPORAL_TLS_SERVER_NAME: z.string().min(1).optional(),

  DATABASE_POOL_MAX: count(1000).optional(),
  DATABASE_CONNECT_TIMEOUT: PositiveDuration.optional(),
  /** How long an unused pooled connection stays open; "0s" keeps them. */
  DATABASE_IDLE_TIMEOUT: Duration.optional(),
  /** libpq's sslmode names; verify-full checks the certificate and the host name. */
  DATABASE_SSL_MODE: z.enum(['disable', 'require', 'verify-ca', 'verify-full']).optional(),
  DATABASE_SSL_CA_PATH: z.string().min(1).optional(),

  /** api: migrations, digest schedule and HTTP API; worker: the journey worker; all: both. */
  SERVICE_ROLE: z.enum(['all', 'api', 'worker']).default('all'),

  /** After SIGTERM/SIGINT: how long running activities may finish before they are cancelled. */
  WORKER_SHUTDOWN_GRACE: Duration.default('20s'),
  WORKER_MAX_CONCURRENT_ACTIVITIES: count(10_000).optional(),
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: count(10_000).optional(),
  /**
   * Journeys kept in memory between their tasks; the others are replayed from history when their
   * next timer fires. With 10,000 open journeys (bench/open-journeys) the compiled worker with 600
   * cached measured 864 MiB at rest and 1,126 MiB at its peak (MALLOC_ARENA_MAX=2). The SDK's own
   * default, by heap size, is about 2,300 on a 4 GiB heap.
   */
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).max(1_000_000).default(600),
  /** Threads running workflow code (the SDK's default: 1); more helps only with spare cores. */
  WORKER_WORKFLOW_THREADS: count(64).optional(),
  WORKER_WORKFLOW_POLLERS: count(1000).optional(),
  WORKER_ACTIVITY_POLLERS: count(1000).optional(),
  /** GET /healthz: 200 while the worker runs, 503 otherwise. Unset: no endpoint (npm start: 3001). */
  WORKER_HEALTH_PORT: port.optional(),
  WORKER_HEALTH_HOST: z.string().min(1).default('127.0.0.1'),
  /** auto: dist/workflow-bundle.js while it matches its sources; off: bundle at start; or a bundle file's path. */
  WORKFLOW_BUNDLE: z.string().min(1).default('auto'),
};

type ParsedEnv = z.infer<typeof EnvSchema>;

/** The deployment settings, or a ConfigError listing every problem at once. */
function deploymentConfig(e: ParsedEnv, databaseUrl: string) {
  const problems: string[] = [];
  const temporalConnection = temporalConnectionConfig(e, problems);
  const postgres = postgresConfig(e, databaseUrl, problems);
  const worker = workerConfig(e, problems);
  if (problems.length) throw new ConfigError(`Invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  return { temporalConnection, postgres, worker, role: e.SERVICE_ROLE };
}

/**
 * A setting naming a file the process must read at connect time: checked now, so a wrong path or
 * permission stops the start with the variable's name instead of a TLS error later.
 */
function pemFileProblem(variable: string, file: string | undefined, expected: 'CERTIFICATE' | 'PRIVATE KEY'): string | null {
  if (file === undefined) return null;
  const where = path.resolve(file);
  let text: string;
  try {
    if (!fs.statSync(where).isFile()) return `${variable}: ${where} is not a file`;
    text = fs.readFileSync(where, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return `${variable}: ${where} does not exist`;
    if (code === 'EACCES' || code === 'EPERM') return `${variable}: ${where} is not readable by this process (user id ${process.getuid?.() ?? '?'})`;
    return `${variable}: ${where} cannot be read (${code ?? String(error)})`;
  }
  if (!new RegExp(`-----BEGIN [A-Z ]*${expected}-----`).test(text)) {
    return `${variable}: ${where} is not a PEM ${expected === 'CERTIFICATE' ? 'certificate' : 'private key'} (no "-----BEGIN …${expected}-----" line)`;
  }
  return null;
}

function temporalConnectionConfig(e: ParsedEnv, problems: string[]) {
  const cert = e.TEMPORAL_TLS_CERT_PATH;
  const key = e.TEMPORAL_TLS_KEY_PATH;
  if ((cert === undefined) !== (key === undefined)) {
    problems.push(
      `TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH must be set together (mTLS client certificate and its private key); ` +
        `only ${cert === undefined ? 'TEMPORAL_TLS_KEY_PATH' : 'TEMPORAL_TLS_CERT_PATH'} is set`,
    );
  }
  if (e.TEMPORAL_API_KEY !== undefined && (cert !== undefined || key !== undefined)) {
    problems.push(
      'TEMPORAL_API_KEY and TEMPORAL_TLS_CERT_PATH/TEMPORAL_TLS_KEY_PATH are both set: a namespace authenticates its clients ' +
        'either by API key or by mTLS client certificate. Keep the one the namespace is configured for ' +
        '(Temporal Cloud: an API key, or client certificates signed by the CA uploaded to the namespace)',
    );
  }
  // Each of these only makes sense over TLS, so it switches TLS on by itself.
  const needTls = (
    [
      ['TEMPORAL_API_KEY', e.TEMPORAL_API_KEY],
      ['TEMPORAL_TLS_CERT_PATH', cert],
      ['TEMPORAL_TLS_KEY_PATH', key],
      ['TEMPORAL_TLS_CA_PATH', e.TEMPORAL_TLS_CA_PATH],
      ['TEMPORAL_TLS_SERVER_NAME', e.TEMPORAL_TLS_SERVER_NAME],
    ] as const
  )
    .filter(([, value]) => value !== undefined)
    .map(([name]) => name);
  if (e.TEMPORAL_TLS === false && needTls.length) {
    problems.push(`TEMPORAL_TLS=false, but ${needTls.join(', ')} ${needTls.length > 1 ? 'need' : 'needs'} TLS: remove TEMPORAL_TLS=false`);
  }
  const tls = e.TEMPORAL_TLS ?? needTls.length > 0;
  if (e.TEMPORAL_ADDRESS === undefined && (tls || needTls.length)) {
    const set = [...(e.TEMPORAL_TLS ? ['TEMPORAL_TLS'] : []), ...needTls];
    problems.push(`${set.join(', ')} ${set.length > 1 ? 'are' : 'is'} set but TEMPORAL_ADDRESS is not: the embedded dev server speaks plaintext; set TEMPORAL_ADDRESS to the cluster's host:port`);
  }
  if (e.TEMPORAL_ADDRESS && /\.(tmprl\.cloud|api\.temporal\.io):\d+$/i.test(e.TEMPORAL_ADDRESS) && e.TEMPORAL_NAMESPACE === 'default') {
    problems.push('TEMPORAL_NAMESPACE: Temporal Cloud has no namespace "default"; set <namespace>.<account> (shown in the Cloud UI)');
  }
  for (const problem of [
    pemFileProblem('TEMPORAL_TLS_CERT_PATH', cert, 'CERTIFICATE'),
    pemFileProblem('TEMPORAL_TLS_KEY_PATH', key, 'PRIVATE KEY'),
    pemFileProblem('TEMPORAL_TLS_CA_PATH', e.TEMPORAL_TLS_CA_PATH, 'CERTIFICATE'),
  ]) {
    if (problem) problems.push(problem);
  }
  const resolved = (file: string | undefined) => (file === undefined ? undefined : path.resolve(file));
  return {
    tls,
    tlsCertPath: resolved(cert),
    tlsKeyPath: resolved(key),
    tlsCaPath: resolved(e.TEMPORAL_TLS_CA_PATH),
    tlsServerName: e.TEMPORAL_TLS_SERVER_NAME,
    apiKey: e.TEMPORAL_API_KEY,
  };
}

/** Pool and TLS of the PostgreSQL client; null for SQLite (where setting them is a mistake). */
function postgresConfig(e: ParsedEnv, databaseUrl: string, problems: string[]) {
  const settings = (['DATABASE_POOL_MAX', 'DATABASE_CONNECT_TIMEOUT', 'DATABASE_IDLE_TIMEOUT', 'DATABASE_SSL_MODE', 'DATABASE_SSL_CA_PATH'] as const).filter(
    (name) => e[name] !== undefined,
  );
  if (!/^postgres(ql)?:\/\//i.test(databaseUrl)) {
    if (settings.length) problems.push(`${settings.join(', ')} ${settings.length > 1 ? 'apply' : 'applies'} to PostgreSQL only, and DATABASE_URL is not a postgresql:// URL`);
    return null;
  }
  // The URL's own TLS parameters would silently override ours (pg reads the URL last).
  const urlTls = e.DATABASE_SSL_MODE !== undefined || e.DATABASE_SSL_CA_PATH !== undefined ? urlTlsParameters(databaseUrl) : [];
  if (urlTls.length) {
    problems.push(`DATABASE_URL has ${urlTls.join(', ')} and DATABASE_SSL_MODE/DATABASE_SSL_CA_PATH are set: configure TLS in one place (remove it from DATABASE_URL, or unset DATABASE_SSL_*)`);
  }
  const caProblem = pemFileProblem('DATABASE_SSL_CA_PATH', e.DATABASE_SSL_CA_PATH, 'CERTIFICATE');
  if (caProblem) problems.push(caProblem);
  // A CA is for checking the server; without a mode it means the full check.
  const sslMode = e.DATABASE_SSL_MODE ?? (e.DATABASE_SSL_CA_PATH ? 'verify-full' : undefined);
  if (e.DATABASE_SSL_CA_PATH && (sslMode === 'disable' || sslMode === 'require')) {
    problems.push(`DATABASE_SSL_CA_PATH only serves to check the server's certificate, which DATABASE_SSL_MODE=${sslMode} does not do: use verify-full (or verify-ca)`);
  }
  return {
    poolMax: e.DATABASE_POOL_MAX ?? 10,
    connectTimeoutMs: durationMs(e.DATABASE_CONNECT_TIMEOUT ?? '10s'),
    idleTimeoutMs: durationMs(e.DATABASE_IDLE_TIMEOUT ?? '10s'),
    /** Unset: whatever DATABASE_URL says (plaintext unless it has sslmode=…). */
    sslMode,
    sslCaPath: e.DATABASE_SSL_CA_PATH === undefined ? undefined : path.resolve(e.DATABASE_SSL_CA_PATH),
  };
}

function urlTlsParameters(databaseUrl: string): string[] {
  try {
    const params = new URL(databaseUrl).searchParams;
    return ['ssl', 'sslmode', 'sslrootcert', 'sslcert', 'sslkey'].filter((name) => params.has(name));
  } catch {
    return []; // not a URL the WHATWG parser takes: pg reports it, without our help
  }
}

/** The worker's production settings; unset tuning options keep the SDK's defaults. */
function workerConfig(e: ParsedEnv, problems: string[]) {
  const tasks = e.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS;
  const cached = e.WORKER_MAX_CACHED_WORKFLOWS;
  // The SDK's own rules, named by our variables rather than its option names.
  if (tasks !== undefined && tasks < 2 && cached !== 0) {
    problems.push('WORKER_MAX_CONCURRENT_WORKFLOW_TASKS must be at least 2 while workflows are cached (or set WORKER_MAX_CACHED_WORKFLOWS=0)');
  }
  const pollers = e.WORKER_WORKFLOW_POLLERS;
  if (pollers !== undefined && tasks !== undefined && pollers > tasks) {
    problems.push(`WORKER_WORKFLOW_POLLERS (${pollers}) cannot exceed WORKER_MAX_CONCURRENT_WORKFLOW_TASKS (${tasks})`);
  }
  const activityPollers = e.WORKER_ACTIVITY_POLLERS;
  const activities = e.WORKER_MAX_CONCURRENT_ACTIVITIES;
  if (activityPollers !== undefined && activities !== undefined && activityPollers > activities) {
    problems.push(`WORKER_ACTIVITY_POLLERS (${activityPollers}) cannot exceed WORKER_MAX_CONCURRENT_ACTIVITIES (${activities})`);
  }
  const healthPort = e.WORKER_HEALTH_PORT;
  return {
    workflowBundle: workflowBundleSetting(e.WORKFLOW_BUNDLE, problems),
    shutdownGraceMs: durationMs(e.WORKER_SHUTDOWN_GRACE),
    tuning: {
      maxConcurrentActivityTaskExecutions: activities,
      maxConcurrentWorkflowTaskExecutions: tasks,
      maxCachedWorkflows: cached,
      workflowThreadPoolSize: e.WORKER_WORKFLOW_THREADS,
      workflowPollers: pollers,
      activityPollers,
    },
    /** GET /healthz; null: no endpoint (npm start then uses LOCAL_WORKER_HEALTH_PORT). */
    health: healthPort === undefined ? null : { host: e.WORKER_HEALTH_HOST, port: healthPort },
  };
}

function workflowBundleSetting(value: string, problems: string[]): WorkflowBundleSetting {
  if (value === 'auto' || value === 'off') return { kind: value };
  const file = path.resolve(value);
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) problems.push(`WORKFLOW_BUNDLE: ${file} is not a file (auto, off, or the path of a bundle made by npm run build)`);
  return { kind: 'file', path: file };
}

/** The health endpoint's port in the local setup (npm start), which prints it. */
export const LOCAL_WORKER_HEALTH_PORT = 3001;
/** The worker's /metrics port in the local setup (npm start). */
export const LOCAL_WORKER_METRICS_PORT = 9464;

// ================================================================================================
// Payload codec (issue 15): AES-256-GCM keys for every payload sent to Temporal, and the codec
// server the Web UI decodes through (beside the API: SERVICE_ROLE api or all).
// ================================================================================================

const CodecEnv = {
  /** "keyId:<base64 of 32 bytes>[,keyId:…]": every key a history may name; locally generated when unset. */
  TEMPORAL_CODEC_KEYS: z.string().min(1).optional(),
  /** The key new payloads are encrypted with; default: the first listed. */
  TEMPORAL_CODEC_KEY_ID: z.string().min(1).optional(),
  CODEC_SERVER_HOST: z.string().min(1).default('127.0.0.1'),
  CODEC_SERVER_PORT: port.default(8234),
  /** Comma-separated origins of the Web UI (scheme://host[:port]); locally the embedded UI's. */
  CODEC_SERVER_ALLOWED_ORIGINS: z.string().min(1).optional(),
  /** Callers on this machine may decode without a token; default: only in the local setup. */
  CODEC_SERVER_LOOPBACK_WITHOUT_TOKEN: flag.optional(),
};

function codecConfig(e: ParsedEnv, dataDir: string) {
  const problems: string[] = [];
  if (e.TEMPORAL_CODEC_KEYS !== undefined) {
    try {
      parseCodecKeys(e.TEMPORAL_CODEC_KEYS, e.TEMPORAL_CODEC_KEY_ID);
    } catch (error) {
      if (!(error instanceof CodecKeyError)) throw error;
      problems.push(error.message);
    }
  } else if (e.TEMPORAL_CODEC_KEY_ID !== undefined) {
    problems.push('TEMPORAL_CODEC_KEY_ID is set but TEMPORAL_CODEC_KEYS is not');
  }
  const local = e.TEMPORAL_ADDRESS === undefined;
  const origins = e.CODEC_SERVER_ALLOWED_ORIGINS?.split(',').map((o) => o.trim()).filter(Boolean) ?? (local ? [`http://127.0.0.1:${e.TEMPORAL_UI_PORT}`, `http://localhost:${e.TEMPORAL_UI_PORT}`] : []);
  for (const origin of origins) {
    // A browser's Origin header is exactly scheme://host[:port]; anything else would never match.
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.origin !== origin.replace(/\/$/, '')) {
      problems.push(`CODEC_SERVER_ALLOWED_ORIGINS: "${origin}" is not an origin like https://temporal-ui.example.gov.vn or http://127.0.0.1:8233 (scheme, host and port only)`);
    }
  }
  if (problems.length) throw new ConfigError(`Invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  return {
    keys: e.TEMPORAL_CODEC_KEYS ?? null,
    currentKeyId: e.TEMPORAL_CODEC_KEY_ID,
    /** Where the local setup keeps generated keys; null against an external cluster (keys must be set). */
    localKeysFile: local ? path.join(dataDir, 'temporal-codec-keys') : null,
    server: {
      host: e.CODEC_SERVER_HOST,
      port: e.CODEC_SERVER_PORT,
      allowedOrigins: origins.map((o) => o.replace(/\/$/, '')),
      loopbackWithoutToken: e.CODEC_SERVER_LOOPBACK_WITHOUT_TOKEN ?? local,
    },
  };
}

// ================================================================================================

const EnvSchema = z.object({
  DATA_DIR: z.string().min(1).default('data'),
  DATABASE_URL: z.string().min(1).optional(),

  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^(?![a-z][a-z0-9+.-]*:\/\/)[^\s/]+:\d{1,5}$/i, 'host:port without a scheme, e.g. temporal.internal:7233 or <namespace>.<account>.tmprl.cloud:7233')
    .optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('journeys'),
  /** Unset: TLS exactly when an API key or any TEMPORAL_TLS_* setting asks for it (deployment block). */
  TEMPORAL_TLS: flag.optional(),
  TEMPORAL_TLS_CERT_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_KEY_PATH: z.string().min(1).optional(),
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  TEMPORAL_CLI_PATH: z.string().min(1).optional(),
  TEMPORAL_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),

  API_HOST: z.string().min(1).default('127.0.0.1'),
  API_PORT: port.default(3000),
  PUBLIC_BASE_URL: z.string().url().optional(),

  SMTP_HOST: z.string().min(1).optional(),
  SMTP_PORT: port.default(1025),
  SMTP_SECURE: flag.default(false),
  SMTP_USER: z.string().min(1).optional(),
  SMTP_PASSWORD: z.string().min(1).optional(),
  /** Connections kept open to the relay: messages of a burst of escalations go out this many at a time. */
  SMTP_MAX_CONNECTIONS: count(100).default(5),
  MAIL_FROM: z.string().min(3).default('Đồng Hành <no-reply@donghanh.local>'),
  MAILDEV_WEB_PORT: port.default(1080),

  // Notifications: SMS through Twilio or the local gateway, quiet hours, daily digest.
  TWILIO_ACCOUNT_SID: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'AC followed by 32 hex digits').optional(),
  TWILIO_AUTH_TOKEN: z.string().min(1).optional(),
  /** E.164 number or alphanumeric sender ID. */
  TWILIO_FROM: z.string().min(1).default('DongHanh'),
  /** Unset: run the local SMS gateway and send to it. Real Twilio: https://api.twilio.com */
  TWILIO_BASE_URL: z.string().url().optional(),
  SMS_GATEWAY_PORT: port.default(3025),
  SMS_MAX_SEGMENTS: z.coerce.number().int().min(1).max(10).default(2),
  SMTP_REQUIRE_TLS: flag.default(false),
  SMTP_TLS_REJECT_UNAUTHORIZED: flag.default(true),
  /** "HH:MM-HH:MM" in QUIET_HOURS_TIME_ZONE; "off" disables; a staff member's own setting wins. */
  QUIET_HOURS: z.string().regex(/^(off|([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d)$/, '"21:00-07:00" or "off"').default('21:00-07:00'),
  QUIET_HOURS_TIME_ZONE: z.string().min(1).default('Asia/Ho_Chi_Minh'),
  /** Local time of the daily digest to province managers, in QUIET_HOURS_TIME_ZONE; "off" disables. */
  DIGEST_AT: z.string().regex(/^(off|([01]\d|2[0-3]):[0-5]\d)$/, '"07:30" or "off"').default('07:30'),

  // Programme report (issue 15): a Temporal Schedule emailing managers; "off" disables.
  /** Five-field cron in QUIET_HOURS_TIME_ZONE (default Mondays 07:00), or "off". */
  PROGRAMME_REPORT: z
    .string()
    .refine((v) => v === 'off' || /^\S+( \S+){4}$/.test(v.trim()), 'a five-field cron expression such as "0 7 * * 1", or "off"')
    .default('0 7 * * 1'),
  /** The whole days before each run's day that a report covers. */
  PROGRAMME_REPORT_DAYS: z.coerce.number().int().min(1).max(366).default(7),
  /** Staff ids (comma-separated) of the managers who get the national report instead of their province's. */
  PROGRAMME_REPORT_NATIONAL: z.string().optional(),
  /** Disaggregated figures (by sex, age group, child/adult): smaller counts are shown as suppressed. */
  INDICATOR_MIN_CELL_SIZE: z.coerce.number().int().min(2).max(100).default(5),

  // Metrics (issue 15): GET /metrics on the API and the worker.
  /** Bearer token for /metrics; without it /metrics answers only on a loopback API_HOST / WORKER_METRICS_HOST. */
  METRICS_TOKEN: z.string().min(16, 'at least 16 characters of random text').optional(),
  /** The worker's GET /metrics. Unset: none (npm start: 9464). */
  WORKER_METRICS_PORT: port.optional(),
  WORKER_METRICS_HOST: z.string().min(1).default('127.0.0.1'),

  // API access: rate limit, demo keys, JWT bearer tokens, action links, personal data keys.
  API_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(600),
  /** Write one demo key per role to DATA_DIR/dev-keys.json; default: on for the local (embedded) setup. */
  API_DEV_KEYS: flag.optional(),
  AUTH_JWT_ISSUER: z.string().min(1).optional(),
  AUTH_JWT_AUDIENCE: z.string().min(1).optional(),
  /** The identity provider's JWKS: a file path, or an https URL (plain http is refused). */
  AUTH_JWKS: z.string().min(1).optional(),
  AUTH_JWT_ROLE_CLAIM: z.string().min(1).default('role'),
  ACTION_LINK_SECRET: z.string().min(32, 'at least 32 characters of random text').optional(),
  ACTION_LINK_TTL_HOURS: z.coerce.number().positive().max(24 * 30).default(72),
  /** "keyId:<base64 of 32 bytes>[,keyId:…]": AES-256-GCM keys for personal data. */
  PERSONAL_DATA_KEYS: z.string().min(1).optional(),
  PERSONAL_DATA_KEY_ID: z.string().min(1).optional(),

  /** "default", "demo", or the path of a YAML or JSON policy file (checked at start, every mistake with its line). */
  JOURNEY_POLICY: z
    .string()
    .refine((v) => v === 'default' || v === 'demo' || POLICY_FILE.test(v), '"default", "demo", or the path of a .yaml, .yml or .json policy file')
    .default('default'),
  DEMO_DATA: flag.optional(),
  /** Allow demo keys, demo data and the local SMS gateway on an API_HOST other than loopback. */
  ALLOW_DEMO_ON_NETWORK: flag.default(false),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  // Deployment (issue 18): cluster connections, PostgreSQL pool and TLS, worker, process role.
  ...DeploymentEnv,

  // Payload codec (issue 15): encryption of everything sent to Temporal, and the Web UI's codec server.
  ...CodecEnv,
});

/** Every variable the service reads: deployment files may set these and nothing else. */
export const CONFIG_VARIABLES: readonly string[] = Object.freeze(Object.keys(EnvSchema.shape));

export type Env = z.input<typeof EnvSchema>;

export function parseConfig(env: Record<string, string | undefined> = process.env) {
  // Empty strings mean "not set", as they do in shells and .env files.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = EnvSchema.safeParse(cleaned);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = result.data;
  const dataDir = path.resolve(e.DATA_DIR);
  const cfg = buildConfig(e, dataDir);
  return Object.freeze({ ...cfg, demoOnNetwork: checkDemoOnNetwork(e, cfg) });
}

function buildConfig(e: z.infer<typeof EnvSchema>, dataDir: string) {
  const databaseUrl = e.DATABASE_URL ?? `file:${path.join(dataDir, 'dong-hanh.db')}`;
  const deployment = deploymentConfig(e, databaseUrl);
  return {
    dataDir,
    databaseUrl,
    /** PostgreSQL pool and TLS (null for SQLite): deployment block. */
    postgres: deployment.postgres,
    /** api, worker or all (the default: one process runs everything). */
    role: deployment.role,
    worker: deployment.worker,
    temporal: {
      /** No address means: run the embedded dev server from the project's tools folder. */
      embedded: e.TEMPORAL_ADDRESS === undefined,
      address: e.TEMPORAL_ADDRESS ?? `127.0.0.1:${e.TEMPORAL_PORT}`,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      // TLS, mTLS and API key, checked together (files readable, no contradictions).
      ...deployment.temporalConnection,
      cliPath: e.TEMPORAL_CLI_PATH,
      port: e.TEMPORAL_PORT,
      uiPort: e.TEMPORAL_UI_PORT,
      dbFile: path.join(dataDir, 'temporal.db'),
    },
    api: {
      host: e.API_HOST,
      port: e.API_PORT,
      publicBaseUrl: e.PUBLIC_BASE_URL ?? `http://${e.API_HOST}:${e.API_PORT}`,
    },
    mail: {
      /** No SMTP host means: run the local mail catcher (maildev) and send to it. */
      embedded: e.SMTP_HOST === undefined,
      host: e.SMTP_HOST ?? '127.0.0.1',
      port: e.SMTP_PORT,
      secure: e.SMTP_SECURE,
      user: e.SMTP_USER,
      password: e.SMTP_PASSWORD,
      maxConnections: e.SMTP_MAX_CONNECTIONS,
      from: e.MAIL_FROM,
      catcherWebPort: e.MAILDEV_WEB_PORT,
    },
    notifications: notificationConfig(e, dataDir),
    /** Payload codec keys and the codec server (src/temporal/codec.ts, src/codec-server). */
    codec: codecConfig(e, dataDir),
    /** The programme report's schedule; undefined when PROGRAMME_REPORT=off. */
    programmeReport:
      e.PROGRAMME_REPORT === 'off'
        ? undefined
        : {
            cron: e.PROGRAMME_REPORT.trim(),
            timeZone: e.QUIET_HOURS_TIME_ZONE,
            days: e.PROGRAMME_REPORT_DAYS,
            nationalRecipients: (e.PROGRAMME_REPORT_NATIONAL ?? '').split(',').map((id) => id.trim()).filter(Boolean),
          },
    /** Disaggregated figures: the smallest count shown (src/reports/disaggregation.ts). */
    reporting: { minCellSize: e.INDICATOR_MIN_CELL_SIZE },
    metrics: {
      /** Null: /metrics answers only where the server listens on loopback. */
      token: e.METRICS_TOKEN ?? null,
      apiOpen: isLoopbackHost(e.API_HOST),
      worker: e.WORKER_METRICS_PORT === undefined ? null : { host: e.WORKER_METRICS_HOST, port: e.WORKER_METRICS_PORT, open: isLoopbackHost(e.WORKER_METRICS_HOST) },
    },
    access: accessConfig(e, dataDir),
    /** The setting: "default", "demo" or the policy file's absolute path. */
    journeyPolicy: e.JOURNEY_POLICY === 'default' || e.JOURNEY_POLICY === 'demo' ? e.JOURNEY_POLICY : path.resolve(e.JOURNEY_POLICY),
    /** The policy new journeys start with, read and validated once, here. */
    policy: journeyPolicy(e.JOURNEY_POLICY),
    /** The Đà Nẵng demo directory, seeded into an empty database: by default only for the local setup. */
    demoData: e.DEMO_DATA ?? e.TEMPORAL_ADDRESS === undefined,
    logLevel: e.LOG_LEVEL,
  };
}

function journeyPolicy(setting: string) {
  try {
    return loadPolicy(setting);
  } catch (error) {
    if (error instanceof PolicyFileError) throw new ConfigError(`Invalid configuration:\n  JOURNEY_POLICY: ${error.message.replace(/\n/g, '\n  ')}`);
    throw error;
  }
}

/** Loopback names and addresses: only this machine can reach an API bound to them. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^(::ffff:)?127(\.\d{1,3}){3}$/.test(h);
}

/**
 * Demo keys (published roles in a file), demo data and the local SMS gateway (which nobody
 * receives) are for one machine. On an API reachable from the network they need an explicit yes;
 * the names of what is on then (for a start-up warning) are returned.
 */
function checkDemoOnNetwork(e: z.infer<typeof EnvSchema>, cfg: ReturnType<typeof buildConfig>): string[] {
  if (isLoopbackHost(cfg.api.host)) return [];
  const on = [
    cfg.access.devKeys && 'demo API keys (API_DEV_KEYS)',
    cfg.demoData && 'demo data (DEMO_DATA)',
    cfg.notifications.sms.embedded && 'the local SMS gateway (TWILIO_BASE_URL unset)',
  ].filter((what): what is string => Boolean(what));
  if (on.length && !e.ALLOW_DEMO_ON_NETWORK) {
    throw new ConfigError(
      `Invalid configuration:\n  API_HOST=${cfg.api.host} is not a loopback address, but ${on.join(', ')} ${on.length > 1 ? 'are' : 'is'} on. ` +
        'Set API_DEV_KEYS=false and DEMO_DATA=false and configure TWILIO_BASE_URL, TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN, ' +
        'or set ALLOW_DEMO_ON_NETWORK=true to expose the demo to the network on purpose',
    );
  }
  return on;
}

export type Config = ReturnType<typeof parseConfig>;

/** The local SMS gateway's account: an obviously fake SID; its token is random per install (below). */
export const LOCAL_SMS_ACCOUNT_SID = `AC${'0'.repeat(32)}`;

/**
 * The local SMS gateway's auth token, generated once into DATA_DIR (0600) and shared by the app,
 * its workers and the gateway src/local/start.ts runs. A published fixed token would let anyone
 * sign status callbacks (fake "undelivered" reports) to any install that left TWILIO_* unset.
 */
export function localSmsAuthToken(file: string): string {
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const token = randomBytes(32).toString('base64url');
  try {
    fs.writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
    return token;
  } catch (error) {
    // Another process of this install was first: use its token.
    if ((error as { code?: string }).code === 'EEXIST') return fs.readFileSync(file, 'utf8').trim();
    throw error;
  }
}

function notificationConfig(e: z.infer<typeof EnvSchema>, dataDir: string) {
  const embedded = e.TWILIO_BASE_URL === undefined;
  if (!embedded && (e.TWILIO_ACCOUNT_SID === undefined || e.TWILIO_AUTH_TOKEN === undefined)) {
    throw new ConfigError('Invalid configuration:\n  TWILIO_BASE_URL is set, so TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are required');
  }
  const [start, end] = e.QUIET_HOURS === 'off' ? [] : e.QUIET_HOURS.split('-');
  const localTokenFile = path.join(dataDir, 'local-sms-token');
  let localToken: string | undefined;
  return {
    sms: {
      /** No TWILIO_BASE_URL means: run the local Twilio-compatible gateway (127.0.0.1) and send to it. */
      embedded,
      baseUrl: e.TWILIO_BASE_URL ?? `http://127.0.0.1:${e.SMS_GATEWAY_PORT}`,
      gatewayPort: e.SMS_GATEWAY_PORT,
      accountSid: e.TWILIO_ACCOUNT_SID ?? LOCAL_SMS_ACCOUNT_SID,
      /** Read (or generated) only when used, so parsing the config writes nothing. */
      get authToken(): string {
        return e.TWILIO_AUTH_TOKEN ?? (localToken ??= localSmsAuthToken(localTokenFile));
      },
      localTokenFile: embedded ? localTokenFile : null,
      from: e.TWILIO_FROM,
      maxSegments: e.SMS_MAX_SEGMENTS,
    },
    smtpTls: { requireTLS: e.SMTP_REQUIRE_TLS, rejectUnauthorized: e.SMTP_TLS_REJECT_UNAUTHORIZED },
    /** Default quiet hours of every recipient (21:00–07:00 Vietnam time unless configured). */
    quietHours: start && end ? { start, end, timeZone: e.QUIET_HOURS_TIME_ZONE } : undefined,
    digest: e.DIGEST_AT === 'off' ? undefined : { at: e.DIGEST_AT, timeZone: e.QUIET_HOURS_TIME_ZONE },
  };
}

/**
 * API access. Secrets left unset are generated into DATA_DIR/local-secrets.json only for the local
 * (embedded) setup; anywhere else start-up refuses to run without them (src/auth/security.ts).
 */
function accessConfig(e: z.infer<typeof EnvSchema>, dataDir: string) {
  const jwt = [e.AUTH_JWT_ISSUER, e.AUTH_JWT_AUDIENCE, e.AUTH_JWKS];
  if (jwt.some((v) => v !== undefined) && !jwt.every((v) => v !== undefined)) {
    throw new ConfigError('Invalid configuration:\n  AUTH_JWT_ISSUER, AUTH_JWT_AUDIENCE and AUTH_JWKS must be set together');
  }
  const jwksProblem = e.AUTH_JWKS === undefined ? null : jwksLocationProblem(e.AUTH_JWKS);
  if (jwksProblem) throw new ConfigError(`Invalid configuration:\n  ${jwksProblem}`);
  const local = e.TEMPORAL_ADDRESS === undefined;
  return {
    rateLimitPerMinute: e.API_RATE_LIMIT_PER_MINUTE,
    devKeys: e.API_DEV_KEYS ?? local,
    devKeysFile: path.join(dataDir, 'dev-keys.json'),
    jwt:
      e.AUTH_JWT_ISSUER && e.AUTH_JWT_AUDIENCE && e.AUTH_JWKS
        ? {
            issuer: e.AUTH_JWT_ISSUER,
            audience: e.AUTH_JWT_AUDIENCE,
            jwks: /^https:\/\//i.test(e.AUTH_JWKS) ? e.AUTH_JWKS : path.resolve(e.AUTH_JWKS),
            roleClaim: e.AUTH_JWT_ROLE_CLAIM,
          }
        : null,
    actionLinkSecret: e.ACTION_LINK_SECRET ?? null,
    actionLinkTtlMs: e.ACTION_LINK_TTL_HOURS * 3_600_000,
    personalDataKeys: e.PERSONAL_DATA_KEYS ?? null,
    personalDataKeyId: e.PERSONAL_DATA_KEY_ID,
    /** Where generated secrets live when allowed (never in production). */
    localSecretsFile: local ? path.join(dataDir, 'local-secrets.json') : null,
  };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

let loaded: Config | undefined;
/** The process-wide configuration, parsed on first use. */
export function config(): Config {
  return (loaded ??= parseConfig());
}
