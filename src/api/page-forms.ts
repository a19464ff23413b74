/**
 * Forms of the task pages (short links and the inbox) without scripts: a form cookie (random,
 * HttpOnly, SameSite=Strict) and, in each form, a token that is an HMAC of that cookie and of what
 * the form acts on. Another site can neither read the token nor make the browser send the
 * cookie with its own POST, so a forged form is refused (403) and changes nothing.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { TaskLinks } from '../auth/task-links';
import { Problem } from './problems';

export const FORM_COOKIE = 'dh_form';
export const SESSION_COOKIE = 'dh_inbox';

export function cookiesOf(request: FastifyRequest): Record<string, string> {
  const header = request.headers.cookie ?? '';
  const out: Record<string, string> = {};
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}

export interface CookieOptions {
  /** Secure cookies when the service is reached over https. */
  secure: boolean;
  maxAgeSeconds: number;
}

export function setCookie(reply: FastifyReply, name: string, value: string, o: CookieOptions) {
  const attributes = [`${name}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Strict', `Max-Age=${o.maxAgeSeconds}`, ...(o.secure ? ['Secure'] : [])];
  const previous = reply.getHeader('set-cookie');
  const list = previous === undefined ? [] : Array.isArray(previous) ? previous.map(String) : [String(previous)];
  reply.header('set-cookie', [...list, attributes.join('; ')]);
}

/** The form token for `purpose`, setting the form cookie when the browser has none. */
export function formTokenFor(request: FastifyRequest, reply: FastifyReply, links: TaskLinks, purpose: string, secure: boolean): string {
  let cookie = cookiesOf(request)[FORM_COOKIE];
  if (!cookie || !/^[A-Za-z0-9_-]{43}$/.test(cookie)) {
    cookie = randomBytes(32).toString('base64url');
    setCookie(reply, FORM_COOKIE, cookie, { secure, maxAgeSeconds: 86_400 });
  }
  return links.formToken(cookie, purpose);
}

const FORM_REFUSED = {
  vi: 'Biểu mẫu này không hợp lệ hoặc đã cũ. Vui lòng mở lại trang và thử lại.',
  en: 'This form is not valid or is out of date. Please open the page again and retry.',
};

/** Refuses a POST whose form token does not match the browser's form cookie. */
export function checkForm(request: FastifyRequest, links: TaskLinks, purpose: string, token: unknown) {
  if (!links.checkFormToken(cookiesOf(request)[FORM_COOKIE], purpose, token)) {
    throw new Problem(403, 'forbidden', `${FORM_REFUSED.vi} / ${FORM_REFUSED.en}`);
  }
}
