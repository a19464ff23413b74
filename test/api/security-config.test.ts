/**
 * Secrets and keys: personal-data encryption (AES-256-GCM, key ids, rotation, tampering),
 * action-link signing, configuration of API access, and the demo keys `npm start` writes.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ActionLinks } from '../../src/auth/action-links';
import { verifyApiKey } from '../../src/auth/api-keys';
import { ensureDevKeys } from '../../src/auth/dev-keys';
import { MissingSecretsError, securityFromConfig } from '../../src/auth/security';
import { openDatabase } from '../../src/db/client';
import { prepareSecurity } from '../../src/main';
import { ConfigError, parseConfig } from '../../src/config';
import { createLogger, REDACTED_FIELDS } from '../../src/logger';
import { PersonalData } from '../../src/personal-data/schema';
import { DecryptionError, generateKeySpec, KeyringError, open, parseKeyring, seal } from '../../src/personal-data/crypto';
import { PersonalDataStore } from '../../src/personal-data/store';
import { createApiHarness, type ApiHarness } from './support/harness';

let h: ApiHarness;
beforeAll(async () => {
  h = await createApiHarness();
});
afterAll(() => h?.close());

const person = { fullName: 'Lê Thị Test', dateOfBirth: '2001-02-03' };

describe('personal-data encryption', () => {
  const old = generateKeySpec('2025a');
  const next = generateKeySpec('2026a');

  test('sealed data names its key, differs every time, and opens only for its case', () => {
    const ring = parseKeyring(old);
    const a = seal(ring, 'personal-data', 'DN-1', person);
    const b = seal(ring, 'personal-data', 'DN-1', person);
    expect(a.keyId).toBe('2025a');
    expect(a.ciphertext).not.toBe(b.ciphertext);
    expect(open(ring, 'personal-data', 'DN-1', a)).toEqual(person);
    expect(() => open(ring, 'personal-data', 'DN-2', a)).toThrow(DecryptionError);
    const flipped = Buffer.from(a.ciphertext, 'base64');
    flipped[0]! ^= 1;
    expect(() => open(ring, 'personal-data', 'DN-1', { ...a, ciphertext: flipped.toString('base64') })).toThrow(DecryptionError);
    expect(() => open(parseKeyring(next), 'personal-data', 'DN-1', a)).toThrow(/key "2025a" is not in the keyring/);
  });

  test('rotation: add a key and make it active, re-encrypt, then the old key can go', async () => {
    const store1 = new PersonalDataStore(h.db.prisma, parseKeyring(old));
    await store1.save('ROT-1', person, 'test');
    await store1.addNote({ caseCode: 'ROT-1', taskId: 'ROT-1/reception', staffId: 's', agencyId: 'a', text: 'a note' });
    const both = parseKeyring(`${next},${old}`);
    const store2 = new PersonalDataStore(h.db.prisma, both);
    expect((await store2.read('ROT-1'))!.data).toEqual(person);
    const counts = await store2.rotate();
    expect(counts.personalData).toBeGreaterThanOrEqual(1);
    expect(counts.notes).toBeGreaterThanOrEqual(1);
    expect(await store2.rotate()).toEqual({ personalData: 0, notes: 0 });
    const store3 = new PersonalDataStore(h.db.prisma, parseKeyring(next));
    expect((await store3.read('ROT-1'))!.data).toEqual(person);
    expect((await store3.notes('ROT-1'))[0]!.text).toBe('a note');
  });

  test.each([
    ['empty', '', /names no key/],
    ['short key', 'k1:c2hvcnQ=', /must be 32 bytes/],
    ['no key id', 'no-colon', /each entry/],
    ['a key id twice', `${generateKeySpec('k1')},${generateKeySpec('k1')}`, /listed twice/],
  ])('a bad keyring (%s) is refused at start-up', (_what, spec, message) => {
    expect(() => parseKeyring(spec)).toThrow(KeyringError);
    expect(() => parseKeyring(spec)).toThrow(message);
  });

  test('the active key must be in the keyring', () => {
    expect(() => parseKeyring(old, 'missing')).toThrow(/PERSONAL_DATA_KEY_ID/);
  });
});

describe('action-link signing', () => {
  const secret = Buffer.alloc(32, 3);
  let clock = Date.parse('2026-01-01T00:00:00Z');
  const links = new ActionLinks(secret, { publicBaseUrl: 'https://donghanh.gov.vn/', ttlMs: 3_600_000, now: () => clock });

  test('a signed link verifies until it expires; ids are unique', () => {
    const a = links.sign({ action: 'complete', taskId: 'DN-1/identification-decision', staffId: 'dn-police-caseworker-1', agencyId: 'dn-police', outcome: 'victim' });
    const b = links.sign({ action: 'complete', taskId: 'DN-1/identification-decision', staffId: 'dn-police-caseworker-1', agencyId: 'dn-police', outcome: 'victim' });
    expect(a.url).toBe(`https://donghanh.gov.vn/actions/${a.token}`);
    expect(a.id).not.toBe(b.id);
    expect(links.verify(a.token)).toMatchObject({ ok: true, claims: { act: 'complete', out: 'victim', task: 'DN-1/identification-decision' } });
    clock += 3_600_000;
    expect(links.verify(a.token)).toEqual({ ok: false, reason: 'expired' });
  });

  test('a short secret is refused', () => {
    expect(() => new ActionLinks(Buffer.alloc(16), { publicBaseUrl: 'x', ttlMs: 1 })).toThrow(/32 bytes/);
  });
});

describe('configuration', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dh-cfg-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('JWT settings go together', () => {
    expect(() => parseConfig({ DATA_DIR: dir, AUTH_JWT_ISSUER: 'https://idp' })).toThrow(ConfigError);
    const cfg = parseConfig({ DATA_DIR: dir, AUTH_JWT_ISSUER: 'https://idp', AUTH_JWT_AUDIENCE: 'api', AUTH_JWKS: 'jwks.json' });
    expect(cfg.access.jwt).toEqual({ issuer: 'https://idp', audience: 'api', jwks: path.resolve('jwks.json'), roleClaim: 'role' });
  });

  test('outside the local setup the secrets must be configured', () => {
    const external = parseConfig({ DATA_DIR: dir, TEMPORAL_ADDRESS: 'temporal:7233' });
    expect(external.access.devKeys).toBe(false);
    expect(() => securityFromConfig(external.access, 'http://x')).toThrow(MissingSecretsError);
    const configured = parseConfig({ DATA_DIR: dir, TEMPORAL_ADDRESS: 'temporal:7233', PERSONAL_DATA_KEYS: generateKeySpec('prod1'), ACTION_LINK_SECRET: 'x'.repeat(40) });
    expect(securityFromConfig(configured.access, 'http://x')).toMatchObject({ generatedFile: null, security: { keyring: { activeKeyId: 'prod1' } } });
  });

  test('the local setup generates its secrets once, into DATA_DIR, readable only by the owner', () => {
    const local = parseConfig({ DATA_DIR: dir });
    const first = securityFromConfig(local.access, 'http://x');
    expect(first.generatedFile).toBe(path.join(dir, 'local-secrets.json'));
    expect(fs.statSync(first.generatedFile!).mode & 0o777).toBe(0o600);
    const second = securityFromConfig(local.access, 'http://x');
    expect(second.security.keyring.activeKeyId).toBe(first.security.keyring.activeKeyId);
    expect([...second.security.keyring.keys.values()][0]).toEqual([...first.security.keyring.keys.values()][0]);
  });
});

test('npm start: one working demo key per role in dev-keys.json (0600), reused on the next start', async () => {
  const file = path.join(path.dirname(h.databaseFile), 'data', 'dev-keys.json');
  const first = await ensureDevKeys(h.db.prisma, file);
  expect(first.created).toBe(true);
  expect(Object.keys(JSON.parse(fs.readFileSync(file, 'utf8')))).toEqual(['coordinator', 'staff', 'manager', 'admin']);
  expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  for (const role of ['coordinator', 'staff', 'manager', 'admin'] as const) {
    expect(await verifyApiKey(h.db.prisma, first.keys[role])).toMatchObject({ ok: true, principal: { role } });
  }
  expect((await h.call(first.keys.staff, 'GET', '/tasks/mine')).status).toBe(200);
  expect((await h.call(first.keys.admin, 'GET', '/admin/api-keys')).status).toBe(200);
  const second = await ensureDevKeys(h.db.prisma, file);
  expect(second).toMatchObject({ created: false, keys: first.keys });
});

test('the data dir is created 0700; the SQLite database, dev keys and local secrets in it are 0600', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dh-modes-'));
  try {
    const dataDir = path.join(root, 'data');
    const db = openDatabase(`file:${path.join(dataDir, 'dong-hanh.db')}`);
    await db.prisma.$queryRawUnsafe('SELECT 1');
    await db.close();
    expect(fs.statSync(dataDir).mode & 0o777).toBe(0o700);
    for (const f of fs.readdirSync(dataDir)) expect([f, fs.statSync(path.join(dataDir, f)).mode & 0o777]).toEqual([f, 0o600]);

    const keysDir = path.join(root, 'keys');
    const keysFile = path.join(keysDir, 'dev-keys.json');
    await ensureDevKeys(h.db.prisma, keysFile);
    expect(fs.statSync(keysDir).mode & 0o777).toBe(0o700);
    // A keys file left readable by others (from an older version) is made private when rewritten.
    fs.rmSync(keysFile);
    fs.writeFileSync(keysFile, '{}', { mode: 0o644 });
    await ensureDevKeys(h.db.prisma, keysFile);
    expect(fs.statSync(keysFile).mode & 0o777).toBe(0o600);

    const secretsDir = path.join(root, 'secrets');
    const generated = securityFromConfig(parseConfig({ DATA_DIR: secretsDir }).access, 'http://x').generatedFile!;
    expect(fs.statSync(secretsDir).mode & 0o777).toBe(0o700);
    expect(fs.statSync(generated).mode & 0o777).toBe(0o600);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('demo settings on a network-facing API_HOST, explicitly allowed, are warned about at start-up', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dh-net-'));
  try {
    const lines: string[] = [];
    const log = createLogger('info', 'start-up-test', { write: (l: string) => void lines.push(l) });
    prepareSecurity(parseConfig({ DATA_DIR: dir, API_HOST: '0.0.0.0', ALLOW_DEMO_ON_NETWORK: 'true' }), log);
    const warning = lines.map((l) => JSON.parse(l) as { level: number; msg: string }).find((l) => /ALLOW_DEMO_ON_NETWORK/.test(l.msg));
    expect(warning).toMatchObject({ level: 40 });
    expect(warning!.msg).toMatch(/demo API keys.*demo data.*local SMS gateway.*0\.0\.0\.0/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the logger redacts every personal-data field, as a second line of defence', () => {
  expect(Object.keys(PersonalData.shape).filter((k) => !REDACTED_FIELDS.includes(k))).toEqual([]);
  const lines: string[] = [];
  const log = createLogger('info', 'redaction-test', { write: (l: string) => void lines.push(l) });
  log.info({ personalData: { fullName: 'Secret Name' }, case: { fullName: 'Secret Name', contact: { phone: '+84 1' } }, authorization: 'Bearer dh_x' }, 'oops');
  expect(lines.join('')).not.toMatch(/Secret Name|\+84 1|dh_x/);
});
