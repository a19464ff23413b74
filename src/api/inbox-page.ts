/**
 * The pages of the task inbox, in the staff member's language (a switch on every page): sign in,
 * enter the code, and the list of open tasks with their forms (task-page.ts). Case codes and
 * tasks only: nothing about the person supported.
 */
import { isOverdue } from '../db/task-rules';
import { escapeHtml as esc } from '../html';
import type { ApiContext } from './context';
import type { Bilingual } from './link-pages';
import { DONE_TEXT, taskCard, type PageAction, type PageTask } from './task-page';

export type PageLanguage = 'vi' | 'en';

const T = {
  title: { vi: 'Hộp nhiệm vụ', en: 'Task inbox' },
  address: { vi: 'Email, số điện thoại hoặc mã cán bộ', en: 'Email, phone number or staff id' },
  sendCode: { vi: 'Gửi mã đăng nhập', en: 'Send me a sign-in code' },
  noPassword: { vi: 'Không cần mật khẩu: chúng tôi gửi một mã 6 số qua email hoặc SMS.', en: 'No password: we send you a 6-digit code by email or SMS.' },
  codeSent: {
    vi: 'Nếu địa chỉ này có trong danh bạ, mã 6 số vừa được gửi tới. Mã có hiệu lực 10 phút.',
    en: 'If this address is in the directory, a 6-digit code has just been sent to it. It works for 10 minutes.',
  },
  code: { vi: 'Mã 6 số', en: '6-digit code' },
  signIn: { vi: 'Đăng nhập', en: 'Sign in' },
  badCode: { vi: 'Mã không đúng hoặc không còn hiệu lực.', en: 'The code is wrong or no longer valid.' },
  newCode: { vi: 'Yêu cầu mã mới', en: 'Request a new code' },
  signedInAs: { vi: 'Đăng nhập với tên', en: 'Signed in as' },
  signOut: { vi: 'Đăng xuất', en: 'Sign out' },
  mine: { vi: 'Nhiệm vụ của tôi', en: 'My tasks' },
  agency: { vi: 'Nhiệm vụ của cơ quan', en: "My agency's tasks" },
  none: { vi: 'Không có nhiệm vụ nào đang mở.', en: 'No open tasks.' },
  overdue: { vi: 'quá hạn', en: 'overdue' },
  signInAgain: { vi: 'Phiên đăng nhập đã hết. Vui lòng đăng nhập lại.', en: 'Your session has ended. Please sign in again.' },
  tooMany: { vi: 'Quá nhiều yêu cầu. Vui lòng thử lại sau ít phút.', en: 'Too many requests. Please try again in a few minutes.' },
} satisfies Record<string, Bilingual>;

const other = (lang: PageLanguage): PageLanguage => (lang === 'vi' ? 'en' : 'vi');

/** `?lang=` of a URL of ours, so every form and link keeps the chosen language. */
export const withLang = (url: string, lang: PageLanguage | undefined) => (lang ? `${url}${url.includes('?') ? '&' : '?'}lang=${lang}` : url);

function frame(lang: PageLanguage, body: string, switchTo = '/inbox'): string {
  const switchLabel = lang === 'vi' ? 'English' : 'Tiếng Việt';
  return `<nav class="bar"><b>${esc(T.title[lang])}</b><a href="${esc(withLang(switchTo, other(lang)))}" hreflang="${other(lang)}">${switchLabel}</a></nav>${body}`;
}

const hidden = (name: string, value: string) => `<input type="hidden" name="${name}" value="${esc(value)}">`;

/** `keep`: the language the person chose on the page (kept in the URLs of its forms and links), if any. */
export function signInPage(lang: PageLanguage, keep: PageLanguage | undefined, token: string): string {
  return frame(
    lang,
    `<h1>${esc(T.signIn[lang])}</h1><p>${esc(T.noPassword[lang])}</p>
<form method="post" action="${esc(withLang('/inbox/sign-in', keep))}">${hidden('form', token)}
<label>${esc(T.address[lang])}<input name="address" required maxlength="254" autocomplete="username" autocapitalize="none"></label>
<button>${esc(T.sendCode[lang])}</button></form>`,
  );
}

export function codePage(lang: PageLanguage, keep: PageLanguage | undefined, token: string, ticket: string, wrong = false): string {
  return frame(
    lang,
    `${wrong ? `<p class="late">${esc(T.badCode[lang])}</p>` : `<p>${esc(T.codeSent[lang])}</p>`}
<form method="post" action="${esc(withLang('/inbox/verify', keep))}">${hidden('form', token)}${hidden('ticket', ticket)}
<label>${esc(T.code[lang])}<input name="code" required inputmode="numeric" pattern="[0-9]{6}" maxlength="6" autocomplete="one-time-code"></label>
<button>${esc(T.signIn[lang])}</button></form>
<p><a href="${esc(withLang('/inbox', keep))}">${esc(T.newCode[lang])}</a></p>`,
  );
}

export const noticePage = (lang: PageLanguage, keep: PageLanguage | undefined, notice: 'signInAgain' | 'tooMany') =>
  frame(lang, `<p class="late">${esc(T[notice][lang])}</p><p><a href="${esc(withLang('/inbox', keep))}">${esc(T.signIn[lang])}</a></p>`);

export interface InboxView {
  lang: PageLanguage;
  keep: PageLanguage | undefined;
  staffName: string;
  mine: PageTask[];
  agency: PageTask[];
  now: Date;
  done?: PageAction;
  /** The form token of a task's forms, and of the sign-out form. */
  tokenFor(purpose: { taskId: string } | 'sign-out'): string;
}

export function inboxPage(ctx: ApiContext, v: InboxView): string {
  const { lang, keep } = v;
  const section = (title: Bilingual, tasks: PageTask[]) => {
    const late = tasks.filter((t) => isLate(t, v.now)).length;
    const cards = tasks.map((t) => taskCard(ctx, t, v.now, withLang(actionUrl(t), keep), v.tokenFor({ taskId: t.id }))).join('\n');
    return `<h2>${esc(title[lang])} (${tasks.length}${late ? `, ${late} ${esc(T.overdue[lang])}` : ''})</h2>${cards || `<p>${esc(T.none[lang])}</p>`}`;
  };
  const done = v.done ? `<p class="done" role="status">${esc(DONE_TEXT[v.done][lang])}</p>` : '';
  const signOut = `<form method="post" action="${esc(withLang('/inbox/sign-out', keep))}" class="inline">${hidden('form', v.tokenFor('sign-out'))}<button class="quiet">${esc(T.signOut[lang])}</button></form>`;
  return frame(lang, `<p>${esc(T.signedInAs[lang])} <b>${esc(v.staffName)}</b></p>${signOut}${done}${section(T.mine, v.mine)}${section(T.agency, v.agency)}`);
}

/** Where a task's forms post: the task's key in the API's paths, with its round. */
export const actionUrl = (t: { id: string; caseCode: string }) => `/inbox/cases/${encodeURIComponent(t.caseCode)}/tasks/${encodeURIComponent(t.id.slice(t.caseCode.length + 1))}`;

const isLate = (t: PageTask, now: Date) => isOverdue(t, now);

/** Overdue first, then the nearest deadline. */
export function overdueFirst<T extends PageTask>(tasks: T[], now: Date): T[] {
  return [...tasks].sort((a, b) => Number(isLate(b, now)) - Number(isLate(a, now)) || a.completeDueAt.getTime() - b.completeDueAt.getTime() || a.id.localeCompare(b.id));
}
