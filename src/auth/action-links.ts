/**
 * One-click action links for notifications: a staff member acknowledges or completes a task
 * without logging in. A link is `<public base URL>/actions/<token>`, where the token is
 * `base64url(JSON claims).base64url(HMAC-SHA256)`: signed (any change breaks it), expiring, and
 * single-use (the API records its id when it is used; a second use gets a clear message).
 *
 * The claims name the case's task and the staff member, never the person. Opening the link shows
 * a confirmation page; the action happens on its button (a POST), because mail scanners and link
 * previews open links by themselves and would otherwise use them up.
 */
import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

export const LinkAction = z.enum(['acknowledge', 'complete']);
export type LinkAction = z.infer<typeof LinkAction>;

const Claims = z.strictObject({
  v: z.literal(1),
  /** Random id: what makes the link single-use. */
  id: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/),
  act: LinkAction,
  /** Task id, `<case code>/<task key>`. */
  task: z.string().min(3).max(200),
  staff: z.string().min(1).max(64),
  agency: z.string().min(1).max(64),
  /** For `complete`: the outcome the link records, when the task needs one. */
  out: z.string().min(1).max(64).optional(),
  /** Expiry, seconds since the epoch. */
  exp: z.number().int().positive(),
});
export type ActionLinkClaims = z.infer<typeof Claims>;

export interface ActionLinkRequest {
  action: LinkAction;
  taskId: string;
  staffId: string;
  agencyId: string;
  outcome?: string;
  /** Defaults to the configured lifetime. */
  ttlMs?: number;
}

export type LinkCheck = { ok: true; claims: ActionLinkClaims } | { ok: false; reason: 'malformed' | 'tampered' | 'expired' };

const DOMAIN = 'dh-action-link.v1.';

/** A purpose-bound key from one configured secret, so one purpose's key never serves another. */
export function deriveKey(secret: Buffer, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), `dong-hanh:${purpose}`, 32));
}

export class ActionLinks {
  private readonly key: Buffer;

  constructor(
    secret: Buffer,
    private readonly opts: { publicBaseUrl: string; ttlMs: number; now?: () => number },
  ) {
    if (secret.length < 32) throw new Error('the action link secret must be at least 32 bytes');
    this.key = deriveKey(secret, 'action-links');
  }

  private now() {
    return (this.opts.now ?? Date.now)();
  }

  sign(r: ActionLinkRequest): { token: string; url: string; id: string; expiresAt: Date } {
    const expiresAt = new Date(this.now() + (r.ttlMs ?? this.opts.ttlMs));
    const claims: ActionLinkClaims = Claims.parse({
      v: 1,
      id: randomBytes(18).toString('base64url'),
      act: r.action,
      task: r.taskId,
      staff: r.staffId,
      agency: r.agencyId,
      ...(r.outcome !== undefined ? { out: r.outcome } : {}),
      exp: Math.floor(expiresAt.getTime() / 1000),
    });
    const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
    const token = `${body}.${this.mac(body).toString('base64url')}`;
    return { token, url: `${this.opts.publicBaseUrl.replace(/\/$/, '')}/actions/${token}`, id: claims.id, expiresAt };
  }

  verify(token: string): LinkCheck {
    if (token.length > 1024) return { ok: false, reason: 'malformed' };
    const m = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{43})$/.exec(token);
    if (!m) return { ok: false, reason: 'malformed' };
    const [, body, sig] = m as unknown as [string, string, string];
    // Compare the text, not the decoded bytes: base64 ignores the spare bits of a last character,
    // so a changed last character can decode to the same MAC.
    const given = Buffer.from(sig);
    const expected = Buffer.from(this.mac(body).toString('base64url'));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'tampered' };
    let claims: ActionLinkClaims;
    try {
      const parsed = Claims.safeParse(JSON.parse(Buffer.from(body, 'base64url').toString('utf8')));
      if (!parsed.success) return { ok: false, reason: 'malformed' };
      claims = parsed.data;
    } catch {
      return { ok: false, reason: 'malformed' };
    }
    if (claims.exp * 1000 <= this.now()) return { ok: false, reason: 'expired' };
    return { ok: true, claims };
  }

  private mac(body: string): Buffer {
    return createHmac('sha256', this.key).update(DOMAIN).update(body).digest();
  }
}
