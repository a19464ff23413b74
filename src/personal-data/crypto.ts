/**
 * Field-level encryption at rest: AES-256-GCM, a fresh 96-bit IV per write, and the case code
 * as additional authenticated data (a ciphertext copied to another case does not decrypt).
 * Keys form a keyring named by id; new writes use the active key, reads use the key the row
 * names, so keys rotate without downtime (see rotate.ts).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export interface Keyring {
  activeKeyId: string;
  keys: ReadonlyMap<string, Buffer>;
}

export interface Sealed {
  keyId: string;
  iv: string;
  ciphertext: string;
  authTag: string;
}

export class KeyringError extends Error {
  override name = 'KeyringError';
}

/** The data could not be decrypted: a wrong or missing key, or tampered data. Never shows the data. */
export class DecryptionError extends Error {
  override name = 'DecryptionError';
}

const KEY_ID = /^[A-Za-z0-9_.-]{1,32}$/;

/**
 * `PERSONAL_DATA_KEYS="2026a:<base64 of 32 bytes>,2025b:<…>"`; the active key is
 * `PERSONAL_DATA_KEY_ID`, or the first listed.
 */
export function parseKeyring(spec: string, activeKeyId?: string): Keyring {
  const keys = new Map<string, Buffer>();
  for (const part of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const i = part.indexOf(':');
    const id = part.slice(0, i);
    if (i < 0 || !KEY_ID.test(id)) throw new KeyringError(`PERSONAL_DATA_KEYS: each entry is <key id>:<base64 key>; key ids are 1–32 of A–Z a–z 0–9 . _ -`);
    const key = Buffer.from(part.slice(i + 1), 'base64');
    if (key.length !== 32) throw new KeyringError(`PERSONAL_DATA_KEYS: key "${id}" must be 32 bytes (base64), got ${key.length}`);
    if (keys.has(id)) throw new KeyringError(`PERSONAL_DATA_KEYS: key id "${id}" is listed twice`);
    keys.set(id, key);
  }
  if (keys.size === 0) throw new KeyringError('PERSONAL_DATA_KEYS names no key');
  const active = activeKeyId ?? keys.keys().next().value!;
  if (!keys.has(active)) throw new KeyringError(`PERSONAL_DATA_KEY_ID "${active}" is not in PERSONAL_DATA_KEYS`);
  return { activeKeyId: active, keys };
}

export function generateKeySpec(id = `k${new Date().toISOString().slice(0, 10).replace(/-/g, '')}`): string {
  return `${id}:${randomBytes(32).toString('base64')}`;
}

const aad = (purpose: string, binding: string) => Buffer.from(`dong-hanh:${purpose}:v1:${binding}`, 'utf8');

/** Encrypts `value` (JSON) under the active key, bound to `purpose` and `binding` (the case code). */
export function seal(keyring: Keyring, purpose: string, binding: string, value: unknown): Sealed {
  const key = keyring.keys.get(keyring.activeKeyId)!;
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad(purpose, binding));
  const ciphertext = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return {
    keyId: keyring.activeKeyId,
    iv: iv.toString('base64'),
    ciphertext: ciphertext.toString('base64'),
    authTag: cipher.getAuthTag().toString('base64'),
  };
}

export function open(keyring: Keyring, purpose: string, binding: string, sealed: Sealed): unknown {
  const key = keyring.keys.get(sealed.keyId);
  if (!key) throw new DecryptionError(`key "${sealed.keyId}" is not in the keyring`);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'));
    decipher.setAAD(aad(purpose, binding));
    decipher.setAuthTag(Buffer.from(sealed.authTag, 'base64'));
    const plain = Buffer.concat([decipher.update(Buffer.from(sealed.ciphertext, 'base64')), decipher.final()]);
    return JSON.parse(plain.toString('utf8'));
  } catch {
    throw new DecryptionError(`a ${purpose} record of ${binding} does not decrypt under key "${sealed.keyId}"`);
  }
}
