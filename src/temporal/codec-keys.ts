/**
 * The payload codec's keys: `TEMPORAL_CODEC_KEYS="2026a:<base64 of 32 bytes>,2025b:<…>"` and the
 * current one, `TEMPORAL_CODEC_KEY_ID` (default: the first listed). New payloads are encrypted with
 * the current key; a payload is decrypted with the key its metadata names, so older keys stay
 * listed while histories written under them are kept.
 *
 * Locally (embedded dev server) unset keys are generated once into DATA_DIR/temporal-codec-keys
 * (0600), shared by every process of the install; against an external cluster they must be set.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface CodecKeyring {
  currentKeyId: string;
  keys: ReadonlyMap<string, Buffer>;
}

export class CodecKeyError extends Error {
  override name = 'CodecKeyError';
}

const KEY_ID = /^[A-Za-z0-9_.-]{1,32}$/;

export function parseCodecKeys(spec: string, currentKeyId?: string): CodecKeyring {
  const keys = new Map<string, Buffer>();
  for (const entry of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const colon = entry.indexOf(':');
    const id = colon < 0 ? entry : entry.slice(0, colon);
    if (colon < 0 || !KEY_ID.test(id)) throw new CodecKeyError('TEMPORAL_CODEC_KEYS: each entry is <key id>:<base64 key>; key ids are 1–32 of A–Z a–z 0–9 . _ -');
    const key = Buffer.from(entry.slice(colon + 1), 'base64');
    if (key.length !== 32) throw new CodecKeyError(`TEMPORAL_CODEC_KEYS: key "${id}" must be 32 bytes (base64), got ${key.length}`);
    if (keys.has(id)) throw new CodecKeyError(`TEMPORAL_CODEC_KEYS: key id "${id}" is listed twice`);
    keys.set(id, key);
  }
  if (keys.size === 0) throw new CodecKeyError('TEMPORAL_CODEC_KEYS names no key');
  const current = currentKeyId ?? keys.keys().next().value!;
  if (!keys.has(current)) throw new CodecKeyError(`TEMPORAL_CODEC_KEY_ID "${current}" is not in TEMPORAL_CODEC_KEYS`);
  return { currentKeyId: current, keys };
}

/** One key entry, `id:<base64>`, for TEMPORAL_CODEC_KEYS. */
export function generateCodecKeySpec(id: string): string {
  return `${id}:${randomBytes(32).toString('base64')}`;
}

/**
 * The local install's keys, made on first use. Written exclusively (`wx`): when the API and a
 * worker start together, the second reads the first one's file instead of writing its own key.
 */
export function localCodecKeySpec(file: string): string {
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const spec = generateCodecKeySpec('local1');
  try {
    fs.writeFileSync(file, `${spec}\n`, { mode: 0o600, flag: 'wx' });
    return spec;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return fs.readFileSync(file, 'utf8').trim();
    throw error;
  }
}

export interface CodecKeySettings {
  keys: string | null;
  currentKeyId?: string;
  localKeysFile: string | null;
}

/**
 * The keyring of this process: configured keys, or locally generated ones. Against an external
 * cluster there are no local keys: a key kept beside the data it protects protects nothing.
 */
export function codecKeyringFromConfig(codec: CodecKeySettings): { keyring: CodecKeyring; generatedFile: string | null } {
  if (codec.keys) return { keyring: parseCodecKeys(codec.keys, codec.currentKeyId), generatedFile: null };
  if (!codec.localKeysFile) {
    throw new CodecKeyError(
      'TEMPORAL_CODEC_KEYS must be configured when Temporal is external (TEMPORAL_ADDRESS is set): every API and worker process ' +
        'encrypts what it sends to Temporal with it, the same keys everywhere. Generate one with: ' +
        `node -e "console.log('c2026a:'+require('crypto').randomBytes(32).toString('base64'))"`,
    );
  }
  return { keyring: parseCodecKeys(localCodecKeySpec(codec.localKeysFile)), generatedFile: codec.localKeysFile };
}
