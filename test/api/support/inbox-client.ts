/**
 * A browser's side of the task inbox over real HTTP: a cookie jar, the forms' hidden fields read
 * from the pages, and the sign-in code read from the mail the API really sent.
 */
import type { Inbox } from '../../support/smtp';
import { recipientsOf } from '../../support/smtp';

export interface Page {
  status: number;
  text: string;
  location: string | null;
  setCookies: string[];
}

export class Browser {
  readonly cookies = new Map<string, string>();

  constructor(private readonly baseUrl: string) {}

  async get(path: string): Promise<Page> {
    return this.send('GET', path);
  }

  async post(path: string, fields: Record<string, string>, opts: { cookies?: boolean } = {}): Promise<Page> {
    return this.send('POST', path, new URLSearchParams(fields).toString(), opts.cookies ?? true);
  }

  private async send(method: string, path: string, body?: string, withCookies = true): Promise<Page> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      redirect: 'manual',
      headers: { ...(body !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {}), ...(withCookies && cookie ? { cookie } : {}) },
      body,
    });
    const setCookies = res.headers.getSetCookie();
    for (const c of setCookies) {
      const [pair, ...attributes] = c.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      if (attributes.some((a) => a.trim().toLowerCase() === 'max-age=0')) this.cookies.delete(name);
      else this.cookies.set(name, pair!.slice(eq + 1).trim());
    }
    return { status: res.status, text: await res.text(), location: res.headers.get('location'), setCookies };
  }
}

/** A hidden field of the page's first form (or of the form posting to `action`). */
export function field(page: Page | string, name: string, action?: string): string {
  const text = typeof page === 'string' ? page : page.text;
  const forms = text.split('<form').slice(1);
  const form = action ? forms.find((f) => f.includes(`action="${action}`)) : forms[0];
  const value = form && new RegExp(`name="${name}" value="([^"]*)"`).exec(form)?.[1];
  if (value === undefined) throw new Error(`no field ${name}${action ? ` in the form of ${action}` : ''}:\n${text.slice(0, 2000)}`);
  return value.replace(/&amp;/g, '&');
}

/** The sign-in codes the API mailed to `address`, oldest first. */
export function mailedCodes(inbox: Inbox, address: string): string[] {
  return inbox.messages.filter((m) => recipientsOf(m).includes(address) && /mã đăng nhập|sign-in code/.test(m.subject ?? '')).map((m) => /\b(\d{6})\b/.exec(m.text ?? '')![1]!);
}

/** Waits for the `n`-th code mailed to `address`. */
export async function waitForCode(inbox: Inbox, address: string, n = 1, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const codes = mailedCodes(inbox, address);
    if (codes.length >= n) return codes[n - 1]!;
    if (Date.now() > deadline) throw new Error(`no sign-in code #${n} for ${address}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Asks for a code: the code page (with its ticket and form token). */
export async function requestCode(browser: Browser, address: string): Promise<Page> {
  const start = await browser.get('/inbox');
  return browser.post('/inbox/sign-in', { form: field(start, 'form'), address });
}

/** Signs in as the staff member at `email`: the inbox page after the redirect. */
export async function signIn(browser: Browser, inbox: Inbox, email: string): Promise<Page> {
  const before = mailedCodes(inbox, email).length;
  const codePage = await requestCode(browser, email);
  const code = await waitForCode(inbox, email, before + 1);
  const done = await browser.post('/inbox/verify', { form: field(codePage, 'form'), ticket: field(codePage, 'ticket'), code });
  if (done.status !== 303) throw new Error(`sign-in failed: ${done.status} ${done.text.slice(0, 500)}`);
  return browser.get(done.location!);
}
