/**
 * Short task links for notifications: `<public base URL>/t/<id>`, one task and one staff member,
 * short enough for an SMS. The id is ten base62 characters of an HMAC of the notification's key,
 * so it cannot be guessed, and a retried send of the same notification carries the same link (the
 * outbox compares what it resends). The row says which task and person the id stands for and
 * when it expires. Opening the link shows the task; acting is a POST with a form token.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { PrismaClient } from '../db/client';
import { deriveKey } from './action-links';

export const TASK_LINK_ID = /^[0-9A-Za-z]{10}$/;
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export interface TaskLinkRequest {
  /** The notification's key: the same key, the same link. */
  key: string;
  taskId: string;
  staffId: string;
  agencyId: string;
  /** The task's agency and assignee now. */
  taskAgencyId: string;
  assigneeId: string | null;
  /** When the message was decided (the workflow's clock): the link lasts the configured lifetime from then. */
  at: Date;
}

export class TaskLinks {
  private readonly idKey: Buffer;
  private readonly formKey: Buffer;

  constructor(
    secret: Buffer,
    private readonly opts: { publicBaseUrl: string; ttlMs: number },
  ) {
    this.idKey = deriveKey(secret, 'task-links');
    this.formKey = deriveKey(secret, 'page-forms');
  }

  /** Cookies of the task pages are Secure when the service is reached over https. */
  get secureCookies(): boolean {
    return this.opts.publicBaseUrl.startsWith('https:');
  }

  idFor(key: string): string {
    const mac = createHmac('sha256', this.idKey).update(key).digest();
    // 10 of 62 symbols ≈ 59 bits; the modulo bias of a byte over 62 does not help a guesser.
    return Array.from(mac.subarray(0, 10), (b) => BASE62[b % 62]).join('');
  }

  /** Records the link (idempotently) and returns its URL. */
  async issue(prisma: Pick<PrismaClient, 'taskLink'>, r: TaskLinkRequest): Promise<string> {
    const id = this.idFor(r.key);
    const expiresAt = new Date(r.at.getTime() + this.opts.ttlMs);
    await prisma.taskLink.upsert({ where: { id }, create: { id, taskId: r.taskId, staffId: r.staffId, agencyId: r.agencyId, taskAgencyId: r.taskAgencyId, assigneeId: r.assigneeId, expiresAt }, update: {} });
    return `${this.opts.publicBaseUrl.replace(/\/$/, '')}/t/${id}`;
  }

  /** A page's form token: bound to the browser's form cookie and to what the form acts on. */
  formToken(cookie: string, purpose: string): string {
    return createHmac('sha256', this.formKey).update(`${purpose}\n${cookie}`).digest('base64url');
  }

  checkFormToken(cookie: string | undefined, purpose: string, given: unknown): boolean {
    if (!cookie || typeof given !== 'string') return false;
    const expected = Buffer.from(this.formToken(cookie, purpose));
    const actual = Buffer.from(given);
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  }

  /** HMAC of a sign-in code, so a database reader cannot use stored codes. */
  codeHash(codeId: string, code: string): string {
    return createHmac('sha256', this.formKey).update(`sign-in\n${codeId}\n${code}`).digest('base64url');
  }
}
