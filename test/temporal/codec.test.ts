/**
 * The payload codec on its own: what leaves a process is ciphertext naming its key, it comes back
 * whole, keys rotate, and a wrong key or altered bytes fail with a message naming the key only.
 */
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { ConfigError, parseConfig } from '../../src/config';
import { AesGcmPayloadCodec, ENCRYPTED_ENCODING, KEY_ID_METADATA, PayloadDecryptionError, UnknownCodecKeyError } from '../../src/temporal/codec';
import { codecKeyringFromConfig, generateCodecKeySpec, parseCodecKeys } from '../../src/temporal/codec-keys';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const SECRET = { name: 'Nguyễn Thị Hoa', phone: '+84905123456', address: '12 Lê Lợi, Hải Châu, Đà Nẵng' };
const payloadOf = (value: unknown) => defaultPayloadConverter.toPayload(value);
const valueOf = (p: Payload) => defaultPayloadConverter.fromPayload(p);
const text = (b: Uint8Array | null | undefined) => Buffer.from(b ?? []).toString('utf8');

const k1 = generateCodecKeySpec('k2026a');
const k2 = generateCodecKeySpec('k2027a');

test('round trip: the payload leaves as ciphertext naming its key and comes back whole', async () => {
  const codec = new AesGcmPayloadCodec(parseCodecKeys(k1));
  const original = payloadOf(SECRET);
  const [encoded] = await codec.encode([original]);
  expect(text(encoded!.metadata!.encoding)).toBe(ENCRYPTED_ENCODING);
  expect(text(encoded!.metadata![KEY_ID_METADATA])).toBe('k2026a');
  expect(Object.keys(encoded!.metadata!).sort()).toEqual(['encoding', KEY_ID_METADATA].sort());
  const bytes = Buffer.from(encoded!.data!);
  for (const v of Object.values(SECRET)) expect(bytes.includes(Buffer.from(v))).toBe(false);
  expect(bytes.includes(Buffer.from('json/plain'))).toBe(false); // the original metadata is inside too
  const [decoded] = await codec.decode([encoded!]);
  expect(valueOf(decoded!)).toEqual(SECRET);
  expect(text(decoded!.metadata!.encoding)).toBe('json/plain');
  // A fresh IV each time: the same value never gives the same ciphertext.
  const [again] = await codec.encode([original]);
  expect(Buffer.from(again!.data!).equals(bytes)).toBe(false);
});

test('rotation: encodes with the current key, decodes with any key listed', async () => {
  const before = new AesGcmPayloadCodec(parseCodecKeys(k1));
  const [old] = await before.encode([payloadOf('written under k2026a')]);
  const after = new AesGcmPayloadCodec(parseCodecKeys(`${k1},${k2}`, 'k2027a'));
  const [fresh] = await after.encode([payloadOf('written under k2027a')]);
  expect(text(fresh!.metadata![KEY_ID_METADATA])).toBe('k2027a');
  expect((await after.decode([old!, fresh!])).map(valueOf)).toEqual(['written under k2026a', 'written under k2027a']);
  // The old key alone cannot read what the new one wrote, and says which key it lacks.
  await expect(before.decode([fresh!])).rejects.toThrow(UnknownCodecKeyError);
  await expect(before.decode([fresh!])).rejects.toThrow(/codec key "k2027a", which is not in TEMPORAL_CODEC_KEYS \(known: k2026a\)/);
});

test('payloads of histories written before the codec pass through as they are', async () => {
  const codec = new AesGcmPayloadCodec(parseCodecKeys(k1));
  const plain = payloadOf({ caseCode: 'DN-2026-0001' });
  expect(await codec.decode([plain])).toEqual([plain]);
});

describe('tampering fails authentication, never returning altered data', () => {
  const codec = new AesGcmPayloadCodec(parseCodecKeys(k1));
  let encoded: Payload;
  beforeAll(async () => {
    [encoded] = (await codec.encode([payloadOf(SECRET)])) as [Payload];
  });

  test.each([
    ['a ciphertext byte flipped', (p: Payload) => flip(p, 20)],
    ['the authentication tag altered', (p: Payload) => flip(p, p.data!.length - 1)],
    ['the IV altered', (p: Payload) => flip(p, 0)],
    ['truncated', (p: Payload) => ({ ...p, data: p.data!.subarray(0, 20) })],
  ])('%s', async (_what, tamper) => {
    await expect(codec.decode([tamper(encoded)])).rejects.toThrow(PayloadDecryptionError);
  });

  test('relabelled with another key id that holds a different key', async () => {
    const both = new AesGcmPayloadCodec(parseCodecKeys(`${k1},${generateCodecKeySpec('other')}`));
    const relabelled = { ...encoded, metadata: { ...encoded.metadata, [KEY_ID_METADATA]: new TextEncoder().encode('other') } };
    await expect(both.decode([relabelled])).rejects.toThrow(/key "other"\) failed authentication/);
  });

  test('the same key id with a different key behind it', async () => {
    const impostor = new AesGcmPayloadCodec(parseCodecKeys(generateCodecKeySpec('k2026a')));
    const error = await impostor.decode([encoded]).catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(PayloadDecryptionError);
    expect((error as Error).message).not.toContain(SECRET.name);
  });
});

function flip(p: Payload, at: number): Payload {
  const data = Uint8Array.from(p.data!);
  data[at]! ^= 0x01;
  return { ...p, data };
}

describe('keys from configuration', () => {
  test.each([
    ['an entry without a key', 'k1', /each entry is <key id>:<base64 key>/],
    ['a 16-byte key', `k1:${Buffer.alloc(16).toString('base64')}`, /key "k1" must be 32 bytes/],
    ['a key id twice', `${k1},${k1}`, /"k2026a" is listed twice/],
  ])('TEMPORAL_CODEC_KEYS with %s is refused at start with its variable named', (_what, keys, message) => {
    expect(() => parseConfig({ TEMPORAL_CODEC_KEYS: keys })).toThrow(ConfigError);
    expect(() => parseConfig({ TEMPORAL_CODEC_KEYS: keys })).toThrow(message);
  });

  test('a current key id that is not listed is refused', () => {
    expect(() => parseConfig({ TEMPORAL_CODEC_KEYS: k1, TEMPORAL_CODEC_KEY_ID: 'k2027a' })).toThrow(/TEMPORAL_CODEC_KEY_ID "k2027a" is not in TEMPORAL_CODEC_KEYS/);
  });

  test("the codec server's origins: locally the embedded UI's, otherwise only those configured, each a bare origin", () => {
    expect(parseConfig({ TEMPORAL_UI_PORT: '9233' }).codec.server).toEqual({ host: '127.0.0.1', port: 8234, allowedOrigins: ['http://127.0.0.1:9233', 'http://localhost:9233'], loopbackWithoutToken: true });
    const external = parseConfig({ TEMPORAL_ADDRESS: 'temporal.internal:7233', CODEC_SERVER_ALLOWED_ORIGINS: 'https://ui.example.gov.vn/, https://ui2.example.gov.vn:8443' });
    expect(external.codec.server).toMatchObject({ allowedOrigins: ['https://ui.example.gov.vn', 'https://ui2.example.gov.vn:8443'], loopbackWithoutToken: false });
    expect(parseConfig({ TEMPORAL_ADDRESS: 'temporal.internal:7233' }).codec.server.allowedOrigins).toEqual([]);
    expect(() => parseConfig({ CODEC_SERVER_ALLOWED_ORIGINS: 'https://ui.example.gov.vn/namespaces' })).toThrow(/CODEC_SERVER_ALLOWED_ORIGINS: "https:\/\/ui.example.gov.vn\/namespaces" is not an origin/);
    expect(() => parseConfig({ CODEC_SERVER_ALLOWED_ORIGINS: '*' })).toThrow(/CODEC_SERVER_ALLOWED_ORIGINS/);
  });

  test('against an external cluster the service refuses to start without keys', () => {
    const cfg = parseConfig({ TEMPORAL_ADDRESS: 'temporal.internal:7233' });
    expect(() => codecKeyringFromConfig(cfg.codec)).toThrow(/TEMPORAL_CODEC_KEYS must be configured when Temporal is external/);
    const configured = parseConfig({ TEMPORAL_ADDRESS: 'temporal.internal:7233', TEMPORAL_CODEC_KEYS: `${k1},${k2}`, TEMPORAL_CODEC_KEY_ID: 'k2027a' });
    const { keyring, generatedFile } = codecKeyringFromConfig(configured.codec);
    expect([keyring.currentKeyId, [...keyring.keys.keys()], generatedFile]).toEqual(['k2027a', ['k2026a', 'k2027a'], null]);
  });

  test('locally keys are generated once into the data folder (0600) and reused', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dh-codec-'));
    try {
      const cfg = parseConfig({ DATA_DIR: dir });
      const first = codecKeyringFromConfig(cfg.codec);
      expect(first.generatedFile).toBe(path.join(dir, 'temporal-codec-keys'));
      expect(fs.statSync(first.generatedFile!).mode & 0o777).toBe(0o600);
      const second = codecKeyringFromConfig(parseConfig({ DATA_DIR: dir }).codec);
      expect(second.keyring.keys).toEqual(first.keyring.keys);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

test("failures keep their message and stack trace only in an encoded attribute, which the codec encrypts", async () => {
  const { failureConverter } = await import('../../src/temporal/failure-converter');
  const codec = new AesGcmPayloadCodec(parseCodecKeys(k1));
  const failure = failureConverter.errorToFailure(new Error(`cannot reach ${SECRET.name} at ${SECRET.phone}`), defaultPayloadConverter);
  expect(failure.message).toBe('Encoded failure');
  expect(failure.stackTrace).toBe('');
  const [sealed] = await codec.encode([failure.encodedAttributes!]);
  expect(Buffer.from(sealed!.data!).includes(Buffer.from(SECRET.phone))).toBe(false);
  const back = failureConverter.failureToError({ ...failure, encodedAttributes: (await codec.decode([sealed!]))[0] }, defaultPayloadConverter);
  expect(back.message).toBe(`cannot reach ${SECRET.name} at ${SECRET.phone}`);
});
