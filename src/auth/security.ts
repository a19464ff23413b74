/**
 * The API's secrets and security settings in one object, built once at start-up from config:
 * the personal-data keyring, the action-link signer, the key for request fingerprints, the JWT
 * settings and the rate limit.
 *
 * For the local (embedded) setup, secrets that are not configured are generated once into
 * DATA_DIR/local-secrets.json (mode 0600). Anywhere else they must be configured: a key stored
 * next to the data it protects protects nothing.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config';
import { generateKeySpec, parseKeyring, type Keyring } from '../personal-data/crypto';
import { ActionLinks, deriveKey } from './action-links';
import type { JwtConfig } from './jwt';
import { TaskLinks } from './task-links';

export interface Security {
  keyring: Keyring;
  actionLinks: ActionLinks;
  /** Short task links and the form tokens and sign-in codes of the task pages (./task-links.ts). */
  taskLinks: TaskLinks;
  /** HMAC key for fingerprints of idempotent requests. */
  requestHashKey: Buffer;
  jwt: JwtConfig | null;
  rateLimitPerMinute: number;
}

export interface SecurityInput {
  personalDataKeys: string;
  personalDataKeyId?: string;
  actionLinkSecret: string;
  actionLinkTtlMs: number;
  publicBaseUrl: string;
  jwt: JwtConfig | null;
  rateLimitPerMinute: number;
}

export function createSecurity(i: SecurityInput): Security {
  const secret = Buffer.from(i.actionLinkSecret, 'utf8');
  return {
    keyring: parseKeyring(i.personalDataKeys, i.personalDataKeyId),
    actionLinks: new ActionLinks(secret, { publicBaseUrl: i.publicBaseUrl, ttlMs: i.actionLinkTtlMs }),
    taskLinks: new TaskLinks(secret, { publicBaseUrl: i.publicBaseUrl, ttlMs: i.actionLinkTtlMs }),
    requestHashKey: deriveKey(secret, 'request-fingerprint'),
    jwt: i.jwt,
    rateLimitPerMinute: i.rateLimitPerMinute,
  };
}

export class MissingSecretsError extends Error {
  override name = 'MissingSecretsError';
}

/** Security from config, generating local secrets where allowed. */
export function securityFromConfig(access: Config['access'], publicBaseUrl: string): { security: Security; generatedFile: string | null } {
  let personalDataKeys = access.personalDataKeys;
  let actionLinkSecret = access.actionLinkSecret;
  let generatedFile: string | null = null;
  if (!personalDataKeys || !actionLinkSecret) {
    if (!access.localSecretsFile) {
      const missing = [!personalDataKeys && 'PERSONAL_DATA_KEYS', !actionLinkSecret && 'ACTION_LINK_SECRET'].filter(Boolean).join(' and ');
      throw new MissingSecretsError(
        `${missing} must be configured when Temporal is external (TEMPORAL_ADDRESS is set). ` +
          `Generate them with: node -e "console.log('k1:'+require('crypto').randomBytes(32).toString('base64'))" ` +
          `and node -e "console.log(require('crypto').randomBytes(32).toString('base64url'))"`,
      );
    }
    const local = loadOrCreateLocalSecrets(access.localSecretsFile);
    personalDataKeys ??= local.personalDataKeys;
    actionLinkSecret ??= local.actionLinkSecret;
    generatedFile = access.localSecretsFile;
  }
  return {
    security: createSecurity({
      personalDataKeys,
      personalDataKeyId: access.personalDataKeyId,
      actionLinkSecret,
      actionLinkTtlMs: access.actionLinkTtlMs,
      publicBaseUrl,
      jwt: access.jwt,
      rateLimitPerMinute: access.rateLimitPerMinute,
    }),
    generatedFile,
  };
}

/**
 * Just the signer of one-click links, for a worker on its own: it has no use for the personal-data
 * keys, so it never holds them. Undefined when no secret is configured (emails get plain links).
 */
export function actionLinksFromConfig(access: Config['access'], publicBaseUrl: string): ActionLinks | undefined {
  const secret = linkSecretOf(access);
  return secret ? new ActionLinks(secret, { publicBaseUrl, ttlMs: access.actionLinkTtlMs }) : undefined;
}

/** The same for short task links: undefined without a secret (messages then link to /tasks/…). */
export function taskLinksFromConfig(access: Config['access'], publicBaseUrl: string): TaskLinks | undefined {
  const secret = linkSecretOf(access);
  return secret ? new TaskLinks(secret, { publicBaseUrl, ttlMs: access.actionLinkTtlMs }) : undefined;
}

function linkSecretOf(access: Config['access']): Buffer | undefined {
  const local = access.localSecretsFile && fs.existsSync(access.localSecretsFile) ? loadOrCreateLocalSecrets(access.localSecretsFile) : undefined;
  const secret = access.actionLinkSecret ?? local?.actionLinkSecret;
  return secret ? Buffer.from(secret, 'utf8') : undefined;
}

function loadOrCreateLocalSecrets(file: string): { personalDataKeys: string; actionLinkSecret: string } {
  if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8')) as { personalDataKeys: string; actionLinkSecret: string };
  const secrets = { personalDataKeys: generateKeySpec('local1'), actionLinkSecret: randomBytes(32).toString('base64url') };
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  return secrets;
}
