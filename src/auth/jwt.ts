/**
 * Bearer JWTs from an OpenID Connect provider (Keycloak, ADFS, a ministry IdP …), verified with
 * node:crypto against the provider's JWKS: a local file (air-gapped installs copy it there) or
 * an https URL. Never plain http: whoever can answer that request could sign any token. Issuer, audience and JWKS come from config; no discovery
 * call is made. Only asymmetric algorithms are accepted; `none` and HMAC never.
 *
 * Claims used: `sub` (the actor in the audit log), the role claim (configurable, dotted path,
 * e.g. `realm_access.roles`; exactly one API role must be present), `agency_id`, `province`,
 * `staff_id` and `name`.
 */
import { createPublicKey, constants, verify as verifySignature, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { ApiRole, scopeProblem, type Principal } from './principal';

export interface JwtConfig {
  issuer: string;
  audience: string;
  /** Path of a JWKS file, or an https URL serving one. */
  jwks: string;
  /** Where the role is in the claims; dotted for nested claims. */
  roleClaim: string;
  clockToleranceSeconds?: number;
}

/** Why a JWKS location is refused, or null: a file path or an https URL. */
export function jwksLocationProblem(jwks: string): string | null {
  if (/^https:\/\//i.test(jwks)) return null;
  // A scheme of two letters or more (a Windows drive letter is a path).
  if (/^[a-z][a-z0-9+.-]+:/i.test(jwks)) {
    return `AUTH_JWKS must be an https:// URL or a file path; ${jwks.split(':')[0]}: is refused (whoever can answer a plain request could sign any token)`;
  }
  return null;
}

export class JwtError extends Error {
  override name = 'JwtError';
}

/** The JWKS could not be read: the service, not the caller, is at fault (503). */
export class JwksUnavailableError extends Error {
  override name = 'JwksUnavailableError';
}

interface Jwk {
  kty: string;
  kid?: string;
  alg?: string;
  use?: string;
  crv?: string;
  [k: string]: unknown;
}

const ALGORITHMS: Record<string, { hash: string | null; kty: string; crv?: string; pss?: boolean; ieee?: boolean }> = {
  RS256: { hash: 'sha256', kty: 'RSA' },
  RS384: { hash: 'sha384', kty: 'RSA' },
  RS512: { hash: 'sha512', kty: 'RSA' },
  PS256: { hash: 'sha256', kty: 'RSA', pss: true },
  PS384: { hash: 'sha384', kty: 'RSA', pss: true },
  PS512: { hash: 'sha512', kty: 'RSA', pss: true },
  ES256: { hash: 'sha256', kty: 'EC', crv: 'P-256', ieee: true },
  ES384: { hash: 'sha384', kty: 'EC', crv: 'P-384', ieee: true },
  ES512: { hash: 'sha512', kty: 'EC', crv: 'P-521', ieee: true },
  EdDSA: { hash: null, kty: 'OKP' },
};

/** Reloaded at most this often when a token names a key id we do not know (key rotation). */
const RELOAD_COOLDOWN_MS = 30_000;
const MAX_AGE_MS = 10 * 60_000;

export class JwtVerifier {
  private keys = new Map<string, { jwk: Jwk; key: KeyObject }>();
  private loadedAt = 0;
  private loading: Promise<void> | undefined;

  constructor(
    private readonly cfg: JwtConfig,
    private readonly now: () => number = Date.now,
  ) {
    const problem = jwksLocationProblem(cfg.jwks);
    if (problem) throw new Error(problem);
  }

  async verify(token: string): Promise<Principal> {
    const parts = token.split('.');
    if (parts.length !== 3) throw new JwtError('not a JWT');
    const [h, p, s] = parts as [string, string, string];
    const header = decodeJson(h, 'header');
    const alg = typeof header.alg === 'string' ? header.alg : '';
    const spec = Object.hasOwn(ALGORITHMS, alg) ? ALGORITHMS[alg] : undefined;
    if (!spec) throw new JwtError(`algorithm ${JSON.stringify(header.alg)} is not accepted`);
    if (header.crit !== undefined) throw new JwtError('critical header extensions are not supported');
    const kid = typeof header.kid === 'string' ? header.kid : undefined;
    const entry = await this.keyFor(kid, alg);
    if (entry.jwk.kty !== spec.kty || (spec.crv && entry.jwk.crv !== spec.crv)) throw new JwtError(`key ${kid ?? ''} does not fit ${alg}`);
    if (entry.jwk.alg && entry.jwk.alg !== alg) throw new JwtError(`key ${kid ?? ''} is for ${entry.jwk.alg}, not ${alg}`);

    const signature = Buffer.from(s, 'base64url');
    const data = Buffer.from(`${h}.${p}`);
    const key = spec.pss
      ? { key: entry.key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }
      : spec.ieee
        ? { key: entry.key, dsaEncoding: 'ieee-p1363' as const }
        : entry.key;
    let valid = false;
    try {
      valid = verifySignature(spec.hash, data, key, signature);
    } catch {
      valid = false;
    }
    if (!valid) throw new JwtError('bad signature');

    const claims = decodeJson(p, 'payload');
    this.checkClaims(claims);
    return this.principalOf(claims);
  }

  private checkClaims(c: Record<string, unknown>) {
    const nowS = this.now() / 1000;
    const tolerance = this.cfg.clockToleranceSeconds ?? 60;
    if (c.iss !== this.cfg.issuer) throw new JwtError('wrong issuer');
    const aud = Array.isArray(c.aud) ? c.aud : [c.aud];
    if (!aud.includes(this.cfg.audience)) throw new JwtError('wrong audience');
    if (typeof c.exp !== 'number') throw new JwtError('no expiry');
    if (c.exp + tolerance < nowS) throw new JwtError('expired');
    if (typeof c.nbf === 'number' && c.nbf - tolerance > nowS) throw new JwtError('not yet valid');
    if (typeof c.sub !== 'string' || c.sub.length === 0 || c.sub.length > 200) throw new JwtError('no subject');
  }

  private principalOf(c: Record<string, unknown>): Principal {
    const raw = this.cfg.roleClaim.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), c);
    const candidates = (Array.isArray(raw) ? raw : [raw]).filter((r): r is ApiRole => ApiRole.safeParse(r).success);
    const roles = [...new Set(candidates)];
    if (roles.length !== 1) throw new JwtError(roles.length === 0 ? 'no API role in the token' : 'more than one API role in the token');
    const str = (v: unknown) => (typeof v === 'string' && v.length > 0 && v.length <= 200 ? v : null);
    const principal: Principal = {
      type: 'jwt',
      id: c.sub as string,
      owner: str(c.name) ?? (c.sub as string),
      role: roles[0]!,
      agencyId: str(c.agency_id),
      province: str(c.province),
      staffId: str(c.staff_id),
    };
    const problem = scopeProblem(principal);
    if (problem) throw new JwtError(problem);
    return principal;
  }

  private async keyFor(kid: string | undefined, alg: string) {
    if (this.now() - this.loadedAt > MAX_AGE_MS) await this.load();
    let found = this.find(kid, alg);
    if (!found && this.now() - this.loadedAt > RELOAD_COOLDOWN_MS) {
      await this.load();
      found = this.find(kid, alg);
    }
    if (!found) throw new JwtError(`no key ${kid ?? '(no kid)'} in the JWKS`);
    return found;
  }

  private find(kid: string | undefined, alg: string) {
    if (kid !== undefined) return this.keys.get(kid);
    // No kid: only unambiguous when exactly one key fits the algorithm.
    const fitting = [...this.keys.values()].filter((k) => k.jwk.kty === ALGORITHMS[alg]!.kty && (!k.jwk.alg || k.jwk.alg === alg));
    return fitting.length === 1 ? fitting[0] : undefined;
  }

  private load(): Promise<void> {
    this.loading ??= this.fetchKeys()
      .then((keys) => {
        this.keys = keys;
        this.loadedAt = this.now();
      })
      .finally(() => {
        this.loading = undefined;
      });
    return this.loading;
  }

  private async fetchKeys() {
    let text: string;
    try {
      if (/^https:\/\//i.test(this.cfg.jwks)) {
        const res = await fetch(this.cfg.jwks, { signal: AbortSignal.timeout(5000) });
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        text = await res.text();
      } else {
        text = await readFile(this.cfg.jwks, 'utf8');
      }
    } catch (error) {
      throw new JwksUnavailableError(`the JWKS could not be loaded: ${(error as Error).message}`);
    }
    let parsed: { keys?: Jwk[] };
    try {
      parsed = JSON.parse(text) as { keys?: Jwk[] };
    } catch {
      throw new JwksUnavailableError('the JWKS is not JSON');
    }
    const keys = new Map<string, { jwk: Jwk; key: KeyObject }>();
    (parsed.keys ?? []).forEach((jwk, i) => {
      if (jwk.use && jwk.use !== 'sig') return;
      if (!['RSA', 'EC', 'OKP'].includes(jwk.kty)) return;
      try {
        keys.set(jwk.kid ?? `#${i}`, { jwk, key: createPublicKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' }) });
      } catch {
        // an unusable key is skipped; tokens naming it fail with "no key"
      }
    });
    return keys;
  }
}

function decodeJson(part: string, what: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new JwtError(`the token's ${what} is not a JSON object`);
}
