/** Deployment settings (issue 18): any Temporal cluster, PostgreSQL pool and TLS, the worker. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CONFIG_VARIABLES, ConfigError, parseConfig } from '../../src/config';

const tls = path.resolve(__dirname, '../fixtures/tls');
const cluster = { TEMPORAL_ADDRESS: 'temporal.internal:7233' };
const mtls = { ...cluster, TEMPORAL_TLS_CERT_PATH: `${tls}/client.pem`, TEMPORAL_TLS_KEY_PATH: `${tls}/client.key` };
const postgres = { DATABASE_URL: 'postgresql://dh@db.internal:5432/donghanh' };

const problem = (env: Record<string, string>) => {
  try {
    parseConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('the configuration was accepted');
};

describe('Temporal connection', () => {
  test('mTLS: certificate, key, CA and server name, TLS on by itself, paths absolute', () => {
    const cfg = parseConfig({ ...mtls, TEMPORAL_TLS_CA_PATH: `${tls}/ca.pem`, TEMPORAL_TLS_SERVER_NAME: 'temporal.test' });
    expect(cfg.temporal).toMatchObject({
      address: 'temporal.internal:7233',
      tls: true,
      tlsCertPath: `${tls}/client.pem`,
      tlsKeyPath: `${tls}/client.key`,
      tlsCaPath: `${tls}/ca.pem`,
      tlsServerName: 'temporal.test',
      apiKey: undefined,
    });
  });

  test('an API key switches TLS on; nothing set is plaintext', () => {
    expect(parseConfig({ TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233', TEMPORAL_NAMESPACE: 'ns.acct', TEMPORAL_API_KEY: 'k' }).temporal).toMatchObject({ tls: true, apiKey: 'k' });
    expect(parseConfig(cluster).temporal.tls).toBe(false);
    expect(parseConfig({ ...cluster, TEMPORAL_TLS: 'true' }).temporal.tls).toBe(true);
  });

  test('a certificate without its key (and the reverse) names both variables', () => {
    expect(problem({ ...cluster, TEMPORAL_TLS_CERT_PATH: `${tls}/client.pem` })).toMatch(
      /TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH must be set together.*only TEMPORAL_TLS_CERT_PATH is set/,
    );
    expect(problem({ ...cluster, TEMPORAL_TLS_KEY_PATH: `${tls}/client.key` })).toMatch(/only TEMPORAL_TLS_KEY_PATH is set/);
  });

  test('an API key and a client certificate together are explained', () => {
    expect(problem({ ...mtls, TEMPORAL_API_KEY: 'k' })).toMatch(/TEMPORAL_API_KEY and TEMPORAL_TLS_CERT_PATH\/TEMPORAL_TLS_KEY_PATH are both set: .*either by API key or by mTLS/);
  });

  test('missing, unreadable and non-PEM files are named with their variable and path', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dh-tls-'));
    try {
      expect(problem({ ...mtls, TEMPORAL_TLS_CA_PATH: path.join(dir, 'nope.pem') })).toContain(`TEMPORAL_TLS_CA_PATH: ${path.join(dir, 'nope.pem')} does not exist`);
      expect(problem({ ...mtls, TEMPORAL_TLS_CERT_PATH: dir })).toContain(`TEMPORAL_TLS_CERT_PATH: ${dir} is not a file`);
      // The key file holds a certificate: swapped paths are a common slip.
      expect(problem({ ...mtls, TEMPORAL_TLS_KEY_PATH: `${tls}/client.pem` })).toMatch(/TEMPORAL_TLS_KEY_PATH: .*client\.pem is not a PEM private key/);
      const der = path.join(dir, 'ca.der');
      fs.writeFileSync(der, Buffer.from([0x30, 0x82, 0x01]));
      expect(problem({ ...cluster, TEMPORAL_TLS_CA_PATH: der })).toMatch(/TEMPORAL_TLS_CA_PATH: .*ca\.der is not a PEM certificate/);
      if (process.getuid?.() !== 0) {
        const secret = path.join(dir, 'client.key');
        fs.copyFileSync(`${tls}/client.key`, secret);
        fs.chmodSync(secret, 0o000);
        expect(problem({ ...mtls, TEMPORAL_TLS_KEY_PATH: secret })).toMatch(/TEMPORAL_TLS_KEY_PATH: .*client\.key is not readable by this process/);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('TEMPORAL_TLS=false contradicting a TLS setting, and TLS without a cluster, are refused', () => {
    expect(problem({ ...cluster, TEMPORAL_TLS: 'false', TEMPORAL_API_KEY: 'k' })).toMatch(/TEMPORAL_TLS=false, but TEMPORAL_API_KEY needs TLS/);
    expect(problem({ TEMPORAL_TLS_SERVER_NAME: 'temporal.test' })).toMatch(/TEMPORAL_TLS_SERVER_NAME is set but TEMPORAL_ADDRESS is not: the embedded dev server speaks plaintext/);
  });

  test('addresses are host:port; Temporal Cloud needs its own namespace', () => {
    expect(problem({ TEMPORAL_ADDRESS: 'https://temporal.internal:7233' })).toMatch(/TEMPORAL_ADDRESS: host:port without a scheme/);
    expect(problem({ TEMPORAL_ADDRESS: 'temporal.internal' })).toMatch(/TEMPORAL_ADDRESS: host:port/);
    expect(problem({ TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233', TEMPORAL_API_KEY: 'k' })).toMatch(/TEMPORAL_NAMESPACE: Temporal Cloud has no namespace "default"/);
    expect(parseConfig({ TEMPORAL_ADDRESS: '[::1]:7233' }).temporal.address).toBe('[::1]:7233');
  });

  test('every problem is listed at once', () => {
    expect(problem({ ...cluster, TEMPORAL_TLS_CERT_PATH: '/nope.pem', DATABASE_POOL_MAX: '5' })).toMatch(
      /TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH.*\n.*TEMPORAL_TLS_CERT_PATH: \/nope\.pem does not exist.*\n.*DATABASE_POOL_MAX applies to PostgreSQL only/s,
    );
  });
});

describe('PostgreSQL pool and TLS', () => {
  test('defaults: 10 connections, 10 s to connect, idle ones closed after 10 s, TLS as the URL says', () => {
    expect(parseConfig(postgres).postgres).toEqual({ poolMax: 10, connectTimeoutMs: 10_000, idleTimeoutMs: 10_000, sslMode: undefined, sslCaPath: undefined });
    expect(parseConfig({}).postgres).toBeNull();
  });

  test('pool size, timeouts, sslmode and CA', () => {
    const cfg = parseConfig({
      ...postgres,
      DATABASE_POOL_MAX: '25',
      DATABASE_CONNECT_TIMEOUT: '5s',
      DATABASE_IDLE_TIMEOUT: '2m',
      DATABASE_SSL_CA_PATH: `${tls}/ca.pem`,
    });
    // A CA without a mode means the full check.
    expect(cfg.postgres).toEqual({ poolMax: 25, connectTimeoutMs: 5_000, idleTimeoutMs: 120_000, sslMode: 'verify-full', sslCaPath: `${tls}/ca.pem` });
  });

  test('invalid values, settings for SQLite and TLS set twice are named', () => {
    expect(problem({ ...postgres, DATABASE_POOL_MAX: '0', DATABASE_SSL_MODE: 'prefer', DATABASE_CONNECT_TIMEOUT: '10' })).toMatch(
      /DATABASE_POOL_MAX: .*\n.*DATABASE_CONNECT_TIMEOUT: .*duration.*\n.*DATABASE_SSL_MODE: /s,
    );
    expect(problem({ DATABASE_POOL_MAX: '5', DATABASE_SSL_MODE: 'require' })).toMatch(/DATABASE_POOL_MAX, DATABASE_SSL_MODE apply to PostgreSQL only, and DATABASE_URL is not a postgresql:\/\/ URL/);
    const twice = problem({ DATABASE_URL: 'postgresql://dh:s3cret@db/donghanh?sslmode=require', DATABASE_SSL_MODE: 'verify-full' });
    expect(twice).toMatch(/DATABASE_URL has sslmode and DATABASE_SSL_MODE\/DATABASE_SSL_CA_PATH are set: configure TLS in one place/);
    expect(twice).not.toContain('s3cret');
    expect(problem({ ...postgres, DATABASE_SSL_MODE: 'require', DATABASE_SSL_CA_PATH: `${tls}/ca.pem` })).toMatch(/DATABASE_SSL_CA_PATH only serves to check .* DATABASE_SSL_MODE=require/);
    expect(problem({ ...postgres, DATABASE_SSL_CA_PATH: '/nope/ca.pem' })).toContain('DATABASE_SSL_CA_PATH: /nope/ca.pem does not exist');
  });
});

describe('worker', () => {
  test('defaults: 20 s of grace, 600 cached journeys and otherwise SDK tuning, no health endpoint, every part in one process', () => {
    const cfg = parseConfig({});
    expect(cfg.worker).toEqual({
      shutdownGraceMs: 20_000,
      tuning: { maxConcurrentActivityTaskExecutions: undefined, maxConcurrentWorkflowTaskExecutions: undefined, maxCachedWorkflows: 600, workflowThreadPoolSize: undefined, workflowPollers: undefined, activityPollers: undefined },
      health: null,
      workflowBundle: { kind: 'auto' },
    });
    expect(cfg.role).toBe('all');
  });

  test('grace, tuning, health endpoint and role', () => {
    const cfg = parseConfig({
      WORKER_SHUTDOWN_GRACE: '45s',
      WORKER_MAX_CONCURRENT_ACTIVITIES: '50',
      WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '20',
      WORKER_MAX_CACHED_WORKFLOWS: '500',
      WORKER_WORKFLOW_POLLERS: '4',
      WORKER_ACTIVITY_POLLERS: '8',
      WORKER_WORKFLOW_THREADS: '2',
      WORKER_HEALTH_PORT: '8080',
      WORKER_HEALTH_HOST: '0.0.0.0',
      SERVICE_ROLE: 'worker',
    });
    expect(cfg.worker).toEqual({
      shutdownGraceMs: 45_000,
      tuning: { maxConcurrentActivityTaskExecutions: 50, maxConcurrentWorkflowTaskExecutions: 20, maxCachedWorkflows: 500, workflowThreadPoolSize: 2, workflowPollers: 4, activityPollers: 8 },
      health: { host: '0.0.0.0', port: 8080 },
      workflowBundle: { kind: 'auto' },
    });
    expect(cfg.role).toBe('worker');
  });

  test("the SDK's limits are checked with our variables' names", () => {
    expect(problem({ WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '1' })).toMatch(/WORKER_MAX_CONCURRENT_WORKFLOW_TASKS must be at least 2 while workflows are cached/);
    expect(parseConfig({ WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '1', WORKER_MAX_CACHED_WORKFLOWS: '0' }).worker.tuning.maxConcurrentWorkflowTaskExecutions).toBe(1);
    expect(problem({ WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '4', WORKER_WORKFLOW_POLLERS: '5' })).toMatch(/WORKER_WORKFLOW_POLLERS \(5\) cannot exceed WORKER_MAX_CONCURRENT_WORKFLOW_TASKS \(4\)/);
    expect(problem({ WORKER_MAX_CONCURRENT_ACTIVITIES: '4', WORKER_ACTIVITY_POLLERS: '5' })).toMatch(/WORKER_ACTIVITY_POLLERS \(5\) cannot exceed WORKER_MAX_CONCURRENT_ACTIVITIES/);
    const invalid = problem({ WORKER_SHUTDOWN_GRACE: '30', SERVICE_ROLE: 'both', WORKER_HEALTH_PORT: '0' });
    for (const name of ['WORKER_SHUTDOWN_GRACE', 'SERVICE_ROLE', 'WORKER_HEALTH_PORT']) expect(invalid).toMatch(new RegExp(`^  ${name}: `, 'm'));
  });
});

test('the list of configuration variables covers the schema, the deployment block included', () => {
  for (const name of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'TEMPORAL_TLS_CA_PATH', 'DATABASE_POOL_MAX', 'WORKER_HEALTH_PORT', 'SERVICE_ROLE', 'PERSONAL_DATA_KEYS']) {
    expect(CONFIG_VARIABLES).toContain(name);
  }
  expect(CONFIG_VARIABLES).not.toContain('TEST_POSTGRES_URL');
});
