/**
 * Signing in to the task inbox without a password: a 6-digit code sent by email or SMS to the
 * address the directory holds, and then a session cookie. The answer to a code request is the
 * same whether or not the address is known (the lookup and the send happen off the response
 * path); a code is stored as an HMAC, expires after 10 minutes, allows 5 attempts and works once.
 */
import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../auth/principal';
import { RateLimiter } from '../auth/rate-limit';
import { textToHtml } from '../notifications/html';
import type { Mailer } from '../transports/email';
import type { SmsSender } from '../transports/sms';
import type { ApiContext } from './context';
import { cookiesOf, SESSION_COOKIE, setCookie } from './page-forms';
import { staffPrincipal } from './staff-principal';

/** How the API reaches a person outside a journey (sign-in codes): the service's own transports. */
export interface Notifier {
  mailer: Mailer;
  /** Without it, codes go by email only. */
  sms?: SmsSender;
}

export const CODE_TTL_MS = 10 * 60_000;
export const MAX_ATTEMPTS = 5;
export const SESSION_TTL_MS = 12 * 3_600_000;
/** Codes sent to one person within CODE_WINDOW_MS: more requests send nothing (and answer the same). */
const CODES_PER_WINDOW = 3;
const CODE_WINDOW_MS = 15 * 60_000;

export const TICKET = /^[A-Za-z0-9_-]{22}$/;
const SESSION_SECRET = /^[A-Za-z0-9_-]{43}$/;

export type Channel = 'email' | 'sms';

/** What a person may type to name themselves: an email address, a phone number or their staff id. */
export function addressForms(raw: string): { email?: string; phone?: string; id?: string } {
  const given = raw.trim().normalize('NFC');
  if (given.includes('@')) return { email: given.toLowerCase() };
  const digits = given.replace(/[\s().-]/g, '');
  if (/^\+?\d{8,15}$/.test(digits)) {
    // Vietnamese numbers are often written nationally: 090… is +8490….
    const phone = digits.startsWith('+') ? digits : digits.startsWith('84') ? `+${digits}` : digits.startsWith('0') ? `+84${digits.slice(1)}` : `+${digits}`;
    return { phone };
  }
  return { id: given };
}

export function signInCodeText(code: string, language: string): { subject: string; text: string; sms: string } {
  if (language === 'en') {
    return {
      subject: 'Đồng Hành: your sign-in code',
      text: `Your code to sign in to the Đồng Hành task inbox is ${code}. It works once, for 10 minutes.\nIf you did not ask for it, ignore this message; nobody can sign in without the code.`,
      sms: `Dong Hanh: your sign-in code is ${code} (10 minutes). Do not share it.`,
    };
  }
  return {
    subject: 'Đồng Hành: mã đăng nhập',
    text: `Mã đăng nhập hộp nhiệm vụ Đồng Hành của anh/chị là ${code}. Mã dùng được một lần, trong 10 phút.\nNếu anh/chị không yêu cầu mã, hãy bỏ qua thư này; không ai đăng nhập được nếu không có mã.`,
    sms: `Dong Hanh: ma dang nhap cua anh/chi la ${code} (10 phut). Khong chia se ma nay.`,
  };
}

export class SignIn {
  /** Code requests per client address: a guesser of addresses or a flood of messages is slowed down. */
  private readonly requests: RateLimiter;
  /** Code attempts per client address, on top of the 5 per code. */
  private readonly attempts: RateLimiter;

  constructor(private readonly ctx: ApiContext) {
    const perMinute = ctx.codeRequestsPerMinute ?? 10;
    this.requests = new RateLimiter(perMinute);
    this.attempts = new RateLimiter(perMinute * 3);
  }

  /** The request of one client address, or the seconds to wait. */
  mayRequest(ip: string): { allowed: boolean; retryAfterSeconds: number } {
    return this.requests.take(`code:${ip}`);
  }

  mayAttempt(ip: string): { allowed: boolean; retryAfterSeconds: number } {
    return this.attempts.take(`attempt:${ip}`);
  }

  /**
   * A ticket for the code form, at once; the code is looked up, stored and sent after. The
   * ticket of an unknown address names no row, so its codes are simply wrong.
   */
  request(request: FastifyRequest, address: string): string {
    const ticket = randomBytes(16).toString('base64url');
    void this.send(ticket, address).catch((error: unknown) => request.log.error({ err: error }, 'sign-in code not sent'));
    return ticket;
  }

  private async send(ticket: string, address: string) {
    const { prisma } = this.ctx.db;
    const forms = addressForms(address);
    const staff = await prisma.staffMember.findFirst({
      where: { active: true, OR: [forms.id ? { id: forms.id } : null, forms.email ? { email: forms.email } : null, forms.phone ? { phone: forms.phone } : null].filter((w) => w !== null) },
    });
    if (!staff) return;
    const now = this.ctx.now();
    const recent = await prisma.signInCode.count({ where: { staffId: staff.id, createdAt: { gt: new Date(now.getTime() - CODE_WINDOW_MS) } } });
    if (recent >= CODES_PER_WINDOW) return;
    const channel = this.channelFor(staff, forms);
    if (!channel) return;
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    await prisma.signInCode.create({ data: { id: ticket, staffId: staff.id, codeHash: this.hash(ticket, code), channel, expiresAt: new Date(now.getTime() + CODE_TTL_MS), createdAt: now } });
    const text = signInCodeText(code, staff.language);
    if (channel === 'sms') await this.ctx.notifier.sms!.send({ to: staff.phone!, body: text.sms });
    else await this.ctx.notifier.mailer.send({ to: staff.email!, subject: text.subject, text: text.text, html: textToHtml(text.text) });
  }

  /** The channel the person named, else email, else SMS; null when the person cannot be reached. */
  private channelFor(staff: { email: string | null; phone: string | null }, forms: ReturnType<typeof addressForms>): Channel | null {
    const sms = Boolean(staff.phone && this.ctx.notifier.sms);
    if (forms.phone && sms) return 'sms';
    if (staff.email) return 'email';
    return sms ? 'sms' : null;
  }

  private hash(ticket: string, code: string) {
    return this.ctx.security.taskLinks.codeHash(ticket, code);
  }

  /**
   * The staff member a code signs in, once; null for a wrong, expired, used or exhausted code
   * (the same answer for each: none of them tells whether the address exists).
   */
  async verify(ticket: string, code: string): Promise<string | null> {
    const { prisma } = this.ctx.db;
    const now = this.ctx.now();
    const row = await prisma.signInCode.findUnique({ where: { id: ticket } });
    if (!row || row.usedAt || row.expiresAt <= now || row.attempts >= MAX_ATTEMPTS) return null;
    const expected = Buffer.from(row.codeHash);
    const actual = Buffer.from(this.hash(ticket, code));
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
      await prisma.signInCode.updateMany({ where: { id: ticket, attempts: { lt: MAX_ATTEMPTS } }, data: { attempts: { increment: 1 } } });
      return null;
    }
    // Of two simultaneous uses of one code, one wins.
    const claimed = await prisma.signInCode.updateMany({ where: { id: ticket, usedAt: null, attempts: { lt: MAX_ATTEMPTS }, expiresAt: { gt: now } }, data: { usedAt: now } });
    return claimed.count === 1 ? row.staffId : null;
  }

  /** Starts a session: the cookie holds a secret, the table its SHA-256. The staff member is the session's caller, or null if no longer active. */
  async startSession(reply: FastifyReply, staffId: string): Promise<Principal | null> {
    const staff = await this.ctx.db.prisma.staffMember.findUnique({ where: { id: staffId }, include: { agency: true } });
    if (!staff?.active) return null;
    const secret = randomBytes(32).toString('base64url');
    const id = sessionId(secret);
    const now = this.ctx.now();
    await this.ctx.db.prisma.inboxSession.create({ data: { id, staffId, expiresAt: new Date(now.getTime() + SESSION_TTL_MS), createdAt: now } });
    setCookie(reply, SESSION_COOKIE, secret, { secure: this.ctx.security.taskLinks.secureCookies, maxAgeSeconds: SESSION_TTL_MS / 1000 });
    return staffPrincipal('inbox', id, staff);
  }

  /** The signed-in staff member of the request, as an API caller, or null. */
  async session(request: FastifyRequest): Promise<{ sessionId: string; principal: Principal; language: string } | null> {
    const secret = cookiesOf(request)[SESSION_COOKIE];
    if (!secret || !SESSION_SECRET.test(secret)) return null;
    const id = sessionId(secret);
    const session = await this.ctx.db.prisma.inboxSession.findUnique({ where: { id } });
    if (!session || session.endedAt || session.expiresAt <= this.ctx.now()) return null;
    const staff = await this.ctx.db.prisma.staffMember.findUnique({ where: { id: session.staffId }, include: { agency: true } });
    if (!staff?.active) return null;
    return { sessionId: id, principal: staffPrincipal('inbox', id, staff), language: staff.language };
  }

  async endSession(reply: FastifyReply, id: string): Promise<void> {
    await this.ctx.db.prisma.inboxSession.updateMany({ where: { id, endedAt: null }, data: { endedAt: this.ctx.now() } });
    setCookie(reply, SESSION_COOKIE, '', { secure: this.ctx.security.taskLinks.secureCookies, maxAgeSeconds: 0 });
  }
}

const sessionId = (secret: string) => createHash('sha256').update(secret).digest('base64url');
