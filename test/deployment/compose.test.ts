/**
 * compose.yaml and the Dockerfile, read as data (no container engine runs here): the services a
 * national deployment needs, pinned images, a non-root runtime without dev dependencies, and only
 * settings the service's config schema knows, with values it accepts.
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { CONFIG_VARIABLES, parseConfig } from '../../src/config';
import { generateKeySpec } from '../../src/personal-data/crypto';
import { SEARCH_ATTRIBUTES } from '../../src/temporal/search-attributes';
import { SHUTDOWN_FORCE_MARGIN_MS } from '../../src/worker';
import { durationMs } from '../../src/policy/duration';

const root = path.resolve(__dirname, '../..');

interface Service {
  image?: string;
  build?: unknown;
  environment?: Record<string, string | number | boolean>;
  deploy?: { replicas?: number };
  ports?: string[];
  command?: string | string[];
  stop_grace_period?: string;
  healthcheck?: { test: string[] };
}
const compose = YAML.parse(fs.readFileSync(path.join(root, 'compose.yaml'), 'utf8'), { merge: true }) as { services: Record<string, Service> };
const services = compose.services;
/** Our own image: built from this repository. */
const ours = Object.entries(services).filter(([, s]) => s.build !== undefined);
const roleOf = (s: Service) => String(s.environment?.SERVICE_ROLE ?? 'all');
const replicas = (role: string) => ours.filter(([, s]) => roleOf(s) === role).reduce((n, [, s]) => n + (s.deploy?.replicas ?? 1), 0);

/** What an operator's .env would hold: valid values for every `${VAR}` compose.yaml asks for. */
const operatorEnv: Record<string, string> = {
  DONGHANH_DB_PASSWORD: 'db-password',
  SMTP_HOST: 'smtp.example.gov.vn',
  TWILIO_ACCOUNT_SID: `AC${'a'.repeat(32)}`,
  TWILIO_AUTH_TOKEN: 'twilio-token',
  ACTION_LINK_SECRET: 'x'.repeat(43),
  TEMPORAL_CODEC_KEYS: generateKeySpec('t1'),
  TEMPORAL_CODEC_KEY_ID: 't1',
  PERSONAL_DATA_KEYS: generateKeySpec('k1'),
  PERSONAL_DATA_KEY_ID: 'k1',
  AUTH_JWT_ISSUER: 'https://id.example.gov.vn',
  AUTH_JWT_AUDIENCE: 'dong-hanh',
  AUTH_JWKS: 'https://id.example.gov.vn/.well-known/jwks.json',
};
/** Compose's interpolation: ${VAR}, ${VAR:-default}, ${VAR:?message}. */
const interpolate = (value: string) =>
  value.replace(/\$\{(\w+)(?::([-?])([^}]*))?\}/g, (_, name: string, kind?: string, rest?: string) => {
    const set = operatorEnv[name];
    if (set !== undefined && set !== '') return set;
    if (kind === '-') return rest ?? '';
    throw new Error(`compose.yaml needs ${name}, which the test's operator .env does not set`);
  });
const environmentOf = (s: Service) => Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, interpolate(String(v))]));

describe('compose.yaml', () => {
  test('has the Temporal server, its UI, PostgreSQL, two API replicas and two workers', () => {
    for (const name of ['temporal', 'temporal-ui', 'postgresql']) expect(services).toHaveProperty(name);
    expect(replicas('api')).toBeGreaterThanOrEqual(2);
    expect(replicas('worker')).toBeGreaterThanOrEqual(2);
    expect(replicas('all')).toBe(0); // each process one role, so each scales alone
  });

  test('runs the Temporal server on the PostgreSQL service', () => {
    const env = services.temporal!.environment!;
    expect(env.DB).toBe('postgres12');
    expect(services).toHaveProperty(String(env.POSTGRES_SEEDS));
    expect(String(services.temporal!.image)).toMatch(/^temporalio\/(auto-setup|server):/);
  });

  test('pins every image: a version tag, never latest', () => {
    for (const [name, s] of Object.entries(services)) {
      expect([name, s.image]).toEqual([name, expect.stringMatching(/^[\w./-]+:[\w.${}:-]+$/)]);
      expect([name, s.image]).not.toEqual([name, expect.stringMatching(/:latest$|:\$\{[^}]*:-latest\}$/)]);
      if (s.build === undefined) expect([name, s.image]).toEqual([name, expect.stringMatching(/:\d+\.\d+/)]);
    }
  });

  test('the Web UI decodes through the codec server an API replica publishes', () => {
    const ui = environmentOf(services['temporal-ui']!);
    const endpoint = new URL(ui.TEMPORAL_CODEC_ENDPOINT!);
    const publishing = ours.filter(([, s]) => (s.ports ?? []).some((p) => String(p).startsWith(`${endpoint.port}:`)));
    expect(publishing).toHaveLength(1);
    const [, api] = publishing[0]!;
    expect(roleOf(api)).toBe('api');
    const apiEnv = environmentOf(api);
    expect((api.ports ?? []).map(String)).toContain(`${endpoint.port}:${apiEnv.CODEC_SERVER_PORT}`);
    expect(apiEnv.CODEC_SERVER_ALLOWED_ORIGINS).toBe(ui.TEMPORAL_CORS_ORIGINS);
  });

  test('sets only variables the config schema knows, for every service of ours', () => {
    const known = new Set(CONFIG_VARIABLES);
    for (const [name, s] of ours) {
      const unknown = Object.keys(s.environment ?? {}).filter((v) => !known.has(v));
      expect([name, unknown]).toEqual([name, []]);
    }
  });

  test("each service's settings pass the config's own validation, in the role it runs", () => {
    for (const [name, s] of ours) {
      const cfg = parseConfig(environmentOf(s));
      expect([name, cfg.role]).toEqual([name, roleOf(s)]);
      expect(cfg.temporal.embedded).toBe(false);
      expect(cfg.mail.embedded).toBe(false);
      expect(cfg.notifications.sms.embedded).toBe(false);
      expect(cfg.postgres).not.toBeNull();
      expect(cfg.demoOnNetwork).toEqual([]);
    }
  });

  test('the workers stop by themselves before compose kills them, and their healthcheck asks /healthz', () => {
    for (const [name, s] of ours.filter(([, svc]) => roleOf(svc) === 'worker')) {
      const cfg = parseConfig(environmentOf(s));
      expect([name, durationMs(s.stop_grace_period ?? '10s')]).toEqual([name, expect.any(Number)]);
      expect(durationMs(s.stop_grace_period!)).toBeGreaterThan(cfg.worker.shutdownGraceMs + SHUTDOWN_FORCE_MARGIN_MS);
      expect(s.healthcheck?.test.join(' ')).toContain(`http://127.0.0.1:${cfg.worker.health!.port}/healthz`);
    }
    for (const [, s] of ours.filter(([, svc]) => roleOf(svc) === 'api')) {
      expect(s.healthcheck?.test.join(' ')).toContain(`http://127.0.0.1:${parseConfig(environmentOf(s)).api.port}/healthz`);
    }
  });

  test("registers every search attribute the journeys use, with its type", () => {
    const command = ([] as string[]).concat(services['temporal-setup']!.command ?? []).join(' ');
    for (const { name, type } of SEARCH_ATTRIBUTES) expect(command).toMatch(new RegExp(`--name ${name} --type ${type}\\b`));
  });
});

describe('Dockerfile', () => {
  const text = fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  const args = Object.fromEntries([...text.matchAll(/^ARG (\w+)=(\S+)/gm)].map((m) => [m[1]!, m[2]!]));
  const stages = text
    .split(/^(?=FROM )/m)
    .filter((part) => part.startsWith('FROM '))
    .map((part) => {
      const [, image, name] = /^FROM (\S+)(?: AS (\S+))?/i.exec(part)!;
      return { image: image!.replace(/\$\{(\w+)\}/g, (_, a: string) => args[a] ?? ''), name, lines: part.split('\n').filter((l) => !l.startsWith('#')) };
    });
  const runtime = stages.at(-1)!;

  test('is multi-stage, on a pinned base image', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const s of stages) expect(s.image).toMatch(/^[\w./-]+:\d+\.\d+\.\d+[\w.-]*$/);
  });

  test('runs as a non-root user', () => {
    const users = runtime.lines.filter((l) => /^USER /.test(l)).map((l) => l.split(/\s+/)[1]);
    expect(users.length).toBeGreaterThan(0);
    expect(['root', '0', '0:0']).not.toContain(users.at(-1));
  });

  test('the runtime has no dev dependencies: node_modules from `npm ci --omit=dev`, never the build stage', () => {
    const install = (l: string) => /\bnpm (ci|install|i)\b/.test(l);
    for (const l of runtime.lines.filter(install)) expect(l).toContain('--omit=dev');
    const copiedModules = runtime.lines.filter((l) => /^COPY\b.*node_modules/.test(l));
    expect(copiedModules.length + runtime.lines.filter(install).length).toBeGreaterThan(0);
    for (const l of copiedModules) {
      const from = /--from=(\S+)/.exec(l)?.[1];
      const source = stages.find((s) => s.name === from);
      expect(source).toBeDefined();
      const installs = source!.lines.filter(install);
      expect(installs.length).toBeGreaterThan(0);
      for (const i of installs) expect(i).toContain('--omit=dev');
    }
  });

  test('starts the service entry, with what it reads at run time', () => {
    const cmd = runtime.lines.find((l) => l.startsWith('CMD '))!;
    const entry = /dist\/(src\/[\w/-]+)\.js/.exec(cmd)![1]!;
    expect(fs.existsSync(path.join(root, `${entry}.ts`))).toBe(true);
    expect(runtime.lines.join('\n')).toMatch(/^COPY .*prisma\/migrations/m);
  });
});
