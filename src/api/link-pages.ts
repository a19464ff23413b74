/**
 * The pages of one-click action links, in Vietnamese and English, so the person who clicked
 * understands them whatever the language of their browser: what the link will do, done, already
 * used, expired, or not valid. JSON clients (Accept: application/json) get problem+json instead.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ActionLinkClaims, LinkAction } from '../auth/action-links';
import { escapeHtml as esc } from '../html';
import { Problem, type ProblemType } from './problems';

export interface Bilingual {
  vi: string;
  en: string;
}

const MESSAGES = {
  'invalid-link': {
    vi: 'Liên kết này không hợp lệ (có thể đã bị sao chép thiếu hoặc bị sửa). Vui lòng dùng đúng liên kết trong thông báo, hoặc đăng nhập hệ thống.',
    en: 'This link is not valid (it may be incomplete or altered). Please use the exact link from the notification, or sign in.',
  },
  'link-expired': {
    vi: 'Liên kết này đã hết hạn. Vui lòng đăng nhập hệ thống Đồng Hành để xử lý nhiệm vụ.',
    en: 'This link has expired. Please sign in to Đồng Hành to act on the task.',
  },
  'link-used': {
    vi: 'Liên kết này đã được sử dụng. Mỗi liên kết chỉ dùng được một lần; thao tác trước đó đã được ghi nhận, bạn không cần làm gì thêm.',
    en: 'This link has already been used. Each link works only once; the earlier action was recorded and there is nothing more to do.',
  },
  forbidden: {
    vi: 'Tài khoản nhận liên kết này không còn hoạt động tại cơ quan của nhiệm vụ.',
    en: 'The staff member this link was sent to is no longer active in the task’s agency.',
  },
} satisfies Partial<Record<ProblemType, Bilingual>>;

export const ACTION_TEXT: Record<LinkAction, { confirm: Bilingual; done: Bilingual }> = {
  acknowledge: {
    confirm: { vi: 'Xác nhận đã nhận nhiệm vụ', en: 'Acknowledge the task' },
    done: { vi: 'Đã ghi nhận: bạn đã nhận nhiệm vụ. Cảm ơn bạn.', en: 'Recorded: you have acknowledged the task. Thank you.' },
  },
  complete: {
    confirm: { vi: 'Xác nhận đã hoàn thành nhiệm vụ', en: 'Mark the task as completed' },
    done: { vi: 'Đã ghi nhận: nhiệm vụ đã hoàn thành. Cảm ơn bạn.', en: 'Recorded: the task is completed. Thank you.' },
  },
};

export function linkProblem(status: number, type: keyof typeof MESSAGES): Problem {
  const m = MESSAGES[type];
  return new Problem(status, type, `${m.vi} / ${m.en}`);
}

/** Problems on link pages are pages too, unless the client asked for JSON. */
export function sendLinkPage(request: FastifyRequest, reply: FastifyReply, problem: Problem): boolean {
  if (wantsJson(request) || !isPageUrl(request.url)) return false;
  const known = (MESSAGES as Partial<Record<ProblemType, Bilingual>>)[problem.type];
  const text = known ?? { vi: 'Không thể thực hiện thao tác.', en: 'The action could not be done.' };
  const detail = known ? '' : `<p><small>${esc(problem.detail)}</small></p>`;
  if (problem.headers) reply.headers(problem.headers);
  void html(reply, problem.status, `<h1>${esc(text.vi)}<br><small>${esc(text.en)}</small></h1>${detail}`);
  return true;
}

/** The pages people open in a browser: their problems are pages too. */
const isPageUrl = (url: string) => url.startsWith('/actions/') || url.startsWith('/t/') || url === '/inbox' || url.startsWith('/inbox/') || url.startsWith('/inbox?');

export function wantsJson(request: FastifyRequest): boolean {
  const accept = String(request.headers.accept ?? '');
  return accept.includes('application/json') && !accept.includes('text/html');
}

/** The page a notification links to: how to act on the task, from what its URL says alone. */
/** `key` is the task's key in the API's paths: with its round (".2") when the task recurs. */
export function taskLinkPage(reply: FastifyReply, caseCode: string, key: string, title: Bilingual | null) {
  const api = `POST /cases/${caseCode}/tasks/${key}/acknowledge`;
  return html(reply, 200, `
        <h1>Hồ sơ ${esc(caseCode)}<br><small>Case ${esc(caseCode)}</small></h1>
        ${title ? `<p>${esc(title.vi)}<br><small>${esc(title.en)}</small></p>` : ''}
        <p>Để xác nhận tiếp nhận hoặc hoàn thành nhiệm vụ, hãy dùng liên kết một lần bấm trong thư, hoặc gọi API
        <code>${esc(api)}</code> (và <code>/complete</code>) với khóa API của anh/chị.<br>
        <small>To acknowledge or complete the task, use the one-click link in the email, or call the API
        <code>${esc(api)}</code> (and <code>/complete</code>) with your API key.</small></p>
        <p><a href="/docs">Tài liệu API / API documentation</a></p>`);
}

/** What a link will do, with one button per outcome to choose (or one button). */
export function confirmPage(reply: FastifyReply, claims: ActionLinkClaims, caseCode: string, title: Bilingual | null, outcomes: string[]) {
  const text = ACTION_TEXT[claims.act].confirm;
  const buttons = outcomes.length
    ? outcomes.map((o) => `<button name="outcome" value="${esc(o)}">${esc(text.vi)}: ${esc(label(o))}<br><small>${esc(text.en)}: ${esc(label(o))}</small></button>`).join('\n')
    : `<button>${esc(text.vi)}<br><small>${esc(text.en)}</small></button>`;
  return html(reply, 200, `
        <h1>${esc(text.vi)}<br><small>${esc(text.en)}</small></h1>
        <p>Hồ sơ / Case <b>${esc(caseCode)}</b></p>
        ${title ? `<p>${esc(title.vi)}<br><small>${esc(title.en)}</small></p>` : ''}
        ${claims.out ? `<p>Kết quả / Outcome: <b>${esc(label(claims.out))}</b></p>` : ''}
        <form method="post">${buttons}</form>
        <p class="note">Liên kết chỉ dùng được một lần, hết hạn lúc ${esc(vietnamTime(claims.exp, 'vi-VN'))} (giờ Việt Nam).<br>
        <small>This link works once and expires at ${esc(vietnamTime(claims.exp, 'en-GB'))} (Vietnam time).</small></p>`);
}

export function donePage(reply: FastifyReply, message: Bilingual, caseCode: string) {
  return html(reply, 200, `<h1>${esc(message.vi)}<br><small>${esc(message.en)}</small></h1><p>Hồ sơ / Case <b>${esc(caseCode)}</b></p>`);
}

const label = (outcome: string) => outcome.replace(/_/g, ' ');

const vietnamTime = (epochSeconds: number, locale: string) =>
  new Intl.DateTimeFormat(locale, { timeZone: 'Asia/Ho_Chi_Minh', dateStyle: 'short', timeStyle: 'short' }).format(new Date(epochSeconds * 1000));

/** A page of ours: phone-sized, no script, forms only to ourselves. */
export function html(reply: FastifyReply, status: number, body: string) {
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
    .send(`<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>Đồng Hành</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;line-height:1.5}
h1{font-size:1.3rem}small{color:#555}button{display:block;width:100%;margin:.5rem 0;padding:.8rem;font-size:1rem;border-radius:.4rem;border:1px solid #1d5c8a;background:#1d6fa8;color:#fff;cursor:pointer}
button small{color:#e6f0f7}.note{margin-top:2rem;font-size:.9rem}
.task{border:1px solid #ccc;border-radius:.4rem;padding:.2rem .8rem;margin:1rem 0}.late{color:#a00;font-weight:bold}
select,input{width:100%;padding:.6rem;font-size:1rem;margin:.2rem 0;box-sizing:border-box}button.quiet{background:#fff;color:#1d5c8a}
h2{font-size:1.1rem;margin-top:1.5rem}.bar{display:flex;justify-content:space-between;align-items:center;gap:1rem}.done{color:#05612e;font-weight:bold}form.inline button{display:inline-block;width:auto;padding:.4rem .8rem}</style></head>
<body><p><b>Đồng Hành</b></p>${body}</body></html>`);
}
