/**
 * The payload codec: every payload a client or worker sends to Temporal (workflow inputs and
 * results, activity arguments, updates, signals, queries, memos, summaries and current details,
 * failure messages) is encrypted with AES-256-GCM before it leaves the process, so the cluster's
 * database, its backups and anyone reading histories without the codec server see ciphertext.
 *
 * An encrypted payload keeps the whole original payload (metadata and data) inside the
 * ciphertext; its own metadata says only `binary/encrypted` and the key id. The key id is also
 * authenticated data, so a payload relabelled with another key id fails like a tampered one.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ValueError, type DataConverter, type Payload, type PayloadCodec } from '@temporalio/common';
import type { CodecKeyring } from './codec-keys';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const utf8 = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array | null | undefined) => (b ? Buffer.from(b).toString('utf8') : undefined);
const aad = (keyId: string) => Buffer.from(`dong-hanh:temporal-payload:v1:${keyId}`, 'utf8');

/** A payload names a key this process does not hold: the fix is configuration, so say which. */
export class UnknownCodecKeyError extends ValueError {
  override name = 'UnknownCodecKeyError';
}

/** Authentication of an encrypted payload failed: it was altered, or the key under its id differs. */
export class PayloadDecryptionError extends ValueError {
  override name = 'PayloadDecryptionError';
}

/** The original payload as JSON bytes (base64 for bytes), which is what gets encrypted. */
function serialise(p: Payload): Buffer {
  const metadata = Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString('base64')]));
  return Buffer.from(JSON.stringify({ metadata, data: Buffer.from(p.data ?? new Uint8Array()).toString('base64') }), 'utf8');
}

function deserialise(bytes: Buffer): Payload {
  const o = JSON.parse(bytes.toString('utf8')) as { metadata: Record<string, string>; data: string };
  return {
    metadata: Object.fromEntries(Object.entries(o.metadata).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))])),
    data: new Uint8Array(Buffer.from(o.data, 'base64')),
  };
}

export class AesGcmPayloadCodec implements PayloadCodec {
  constructor(private readonly keyring: CodecKeyring) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const keyId = this.keyring.currentKeyId;
    const key = this.keyring.keys.get(keyId)!;
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(aad(keyId));
      const sealed = Buffer.concat([iv, cipher.update(serialise(payload)), cipher.final(), cipher.getAuthTag()]);
      return { metadata: { encoding: utf8(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: utf8(keyId) }, data: new Uint8Array(sealed) };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.decodeOne(payload));
  }

  /** Payloads written before the codec (recorded histories) are not encrypted: they pass as they are. */
  private decodeOne(payload: Payload): Payload {
    if (text(payload.metadata?.encoding) !== ENCRYPTED_ENCODING) return payload;
    const keyId = text(payload.metadata?.[KEY_ID_METADATA]);
    if (!keyId) throw new PayloadDecryptionError(`encrypted payload without the "${KEY_ID_METADATA}" metadata`);
    const key = this.keyring.keys.get(keyId);
    if (!key) {
      throw new UnknownCodecKeyError(`payload encrypted with codec key "${keyId}", which is not in TEMPORAL_CODEC_KEYS (known: ${[...this.keyring.keys.keys()].join(', ')})`);
    }
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < IV_BYTES + TAG_BYTES) throw new PayloadDecryptionError(`encrypted payload (key "${keyId}") is too short`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      decipher.setAAD(aad(keyId));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      return deserialise(Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]));
    } catch {
      throw new PayloadDecryptionError(`encrypted payload (key "${keyId}") failed authentication: it was altered, or TEMPORAL_CODEC_KEYS holds a different key under that id`);
    }
  }
}

/**
 * The data converter of every client and worker. Failures keep their message and stack trace in
 * an encoded attribute (./failure-converter.ts), so error texts go through the codec too; the
 * converter module is loaded by path because the workflow sandbox bundles it.
 */
export function journeyDataConverter(keyring: CodecKeyring): DataConverter {
  return { payloadCodecs: [new AesGcmPayloadCodec(keyring)], failureConverterPath: FAILURE_CONVERTER_PATH };
}

export const FAILURE_CONVERTER_PATH = require.resolve('./failure-converter');
