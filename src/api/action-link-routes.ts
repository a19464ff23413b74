/**
 * One-click action links (src/auth/action-links.ts) as pages. GET shows what the link will do and
 * one button; the button POSTs and the action happens. Every answer is in Vietnamese and English,
 * so the person who clicked understands it whatever the language of their browser: done, already
 * used, expired, or not valid. JSON clients (Accept: application/json) get problem+json.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { LinkAction, type ActionLinkClaims } from '../auth/action-links';
import type { Principal } from '../auth/principal';
import { escapeHtml as esc } from '../html';
import { taskPolicyOf } from '../policy/tasks';
import { acknowledgeTaskUpdate, completeTaskUpdate, type TaskState } from '../journey/definitions';
import { auditAfter, temporalProblem, type ApiContext } from './context';
import { journeyHandle } from '../client/journeys';
import { Problem, type ProblemType } from './problems';
import { TaskView } from './schemas';

const TokenParams = z.strictObject({ token: z.string().min(1).max(1024) });
const TaskLinkParams = z.strictObject({
  taskId: z.string().regex(/^[A-Z0-9][A-Z0-9-]{2,39}\/[a-z][a-z0-9-]{0,63}(\.\d{1,3})?$/, 'a task id such as "DN-2026-0001/reception"'),
});
const LinkForm = z.strictObject({ outcome: z.string().min(1).max(64).optional() });

interface Bilingual {
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

const ACTION_TEXT: Record<LinkAction, { confirm: Bilingual; done: Bilingual }> = {
  acknowledge: {
    confirm: { vi: 'Xác nhận đã nhận nhiệm vụ', en: 'Acknowledge the task' },
    done: { vi: 'Đã ghi nhận: bạn đã nhận nhiệm vụ. Cảm ơn bạn.', en: 'Recorded: you have acknowledged the task. Thank you.' },
  },
  complete: {
    confirm: { vi: 'Xác nhận đã hoàn thành nhiệm vụ', en: 'Mark the task as completed' },
    done: { vi: 'Đã ghi nhận: nhiệm vụ đã hoàn thành. Cảm ơn bạn.', en: 'Recorded: the task is completed. Thank you.' },
  },
};

export function actionLinkRoutes(ctx: ApiContext, app: FastifyInstance) {
  // HTML forms post as application/x-www-form-urlencoded: accepted here only.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
  const routes = ctx.routes.on(app);
  const { actionLinks } = ctx.security;

  // The link every notification carries. It shows only what its own URL says (no lookup, so it
  // reveals nothing about whether the case exists) and how to act: the one-click link or the API.
  routes.add(
    {
      method: 'GET',
      url: '/tasks/:taskId',
      operationId: 'showTaskLink',
      tag: 'Action links',
      summary: 'The page a notification links to: how to act on the task (reads nothing from the database)',
      access: 'action-link',
      params: TaskLinkParams,
      responses: { 200: { description: 'An HTML page in Vietnamese and English' } },
    },
    async ({ reply, params }) => {
      const slash = params.taskId.indexOf('/');
      const caseCode = params.taskId.slice(0, slash);
      const key = params.taskId.slice(slash + 1).replace(/\.\d+$/, '');
      const title = taskTitle(ctx, key);
      const api = `POST /cases/${caseCode}/tasks/${key}/acknowledge`;
      return html(reply, 200, `
        <h1>Hồ sơ ${esc(caseCode)}<br><small>Case ${esc(caseCode)}</small></h1>
        ${title ? `<p>${esc(title.vi)}<br><small>${esc(title.en)}</small></p>` : ''}
        <p>Để xác nhận tiếp nhận hoặc hoàn thành nhiệm vụ, hãy dùng liên kết một lần bấm trong thư, hoặc gọi API
        <code>${esc(api)}</code> (và <code>/complete</code>) với khóa API của anh/chị.<br>
        <small>To acknowledge or complete the task, use the one-click link in the email, or call the API
        <code>${esc(api)}</code> (and <code>/complete</code>) with your API key.</small></p>
        <p><a href="/docs">Tài liệu API / API documentation</a></p>`);
    },
  );

  routes.add(
    {
      method: 'GET',
      url: '/actions/:token',
      operationId: 'showActionLink',
      tag: 'Action links',
      summary: 'What a one-click link will do, with its confirmation button (changes nothing)',
      description: 'Signed, expiring, single-use links sent in notifications. Opening one changes nothing (mail scanners open links too); the button POSTs.',
      access: 'action-link',
      params: TokenParams,
      responses: {
        200: {
          description: 'Confirmation page (or, for Accept: application/json, what the link will do)',
          schema: z.object({
            action: LinkAction,
            caseCode: z.string(),
            taskId: z.string(),
            title: z.object({ vi: z.string(), en: z.string() }).nullable(),
            outcome: z.string().nullable(),
            outcomes: z.array(z.string()),
            expiresAt: z.string(),
          }),
        },
        400: { description: 'Not a valid link' },
        410: { description: 'Expired or already used' },
      },
    },
    async ({ request, reply, params }) => {
      const claims = await usableClaims(params.token);
      const key = claims.task.slice(claims.task.indexOf('/') + 1);
      const caseCode = claims.task.slice(0, claims.task.indexOf('/'));
      const title = taskTitle(ctx, key);
      const outcomes = claims.act === 'complete' && !claims.out ? outcomesOf(ctx, key) : [];
      if (wantsJson(request)) {
        return { action: claims.act, caseCode, taskId: claims.task, title, outcome: claims.out ?? null, outcomes, expiresAt: new Date(claims.exp * 1000).toISOString() };
      }
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
    },
  );

  routes.add(
    {
      method: 'POST',
      url: '/actions/:token',
      operationId: 'useActionLink',
      tag: 'Action links',
      summary: 'Do what a one-click link says (once)',
      access: 'action-link',
      params: TokenParams,
      body: LinkForm,
      responses: {
        200: { description: 'Done: an HTML page, or the task as JSON', schema: z.object({ message: z.object({ vi: z.string(), en: z.string() }), task: TaskView }) },
        400: { description: 'Not a valid link' },
        403: { description: 'The staff member is no longer active in the agency' },
        410: { description: 'Expired or already used' },
      },
    },
    async ({ request, reply, params, body }) => {
      const claims = await usableClaims(params.token);
      const staff = await ctx.db.prisma.staffMember.findUnique({ where: { id: claims.staff }, include: { agency: true } });
      if (!staff?.active || staff.agencyId !== claims.agency) throw linkProblem(403, 'forbidden');
      const principal: Principal = {
        type: 'action-link',
        id: claims.id,
        owner: staff.name,
        role: 'staff',
        agencyId: staff.agencyId,
        province: staff.agency.province,
        staffId: staff.id,
      };
      request.principal = principal;
      const caseCode = claims.task.slice(0, claims.task.indexOf('/'));
      const outcome = claims.out ?? body.outcome;
      // Claim the link first: of two simultaneous clicks, one acts and the other is told it was used.
      try {
        await ctx.db.prisma.actionLinkUse.create({ data: { tokenId: claims.id, taskId: claims.task, staffId: staff.id, action: claims.act } });
      } catch (error) {
        if ((error as { code?: string }).code === 'P2002') throw linkProblem(410, 'link-used');
        throw error;
      }
      const entry = { action: `action-link.${claims.act}`, caseCode, target: claims.task };
      let task: TaskState;
      try {
        const handle = journeyHandle(ctx.temporal, caseCode);
        const actor = { taskId: claims.task, staffId: staff.id, agencyId: staff.agencyId };
        task =
          claims.act === 'acknowledge'
            ? await handle.executeUpdate(acknowledgeTaskUpdate, { args: [actor] })
            : await handle.executeUpdate(completeTaskUpdate, { args: [{ ...actor, ...(outcome ? { outcome } : {}) }] });
      } catch (error) {
        // Nothing happened: the link stays usable (for a retry after an outage, say).
        await ctx.db.prisma.actionLinkUse.deleteMany({ where: { tokenId: claims.id } });
        const problem = temporalProblem(error, caseCode, 'action');
        if (problem && problem.status < 500) await auditAfter(ctx, request, { ...entry, outcome: 'refused', detail: { status: problem.status } });
        throw problem ?? error;
      }
      await auditAfter(ctx, request, { ...entry, outcome: 'ok' });
      const message = ACTION_TEXT[claims.act].done;
      if (wantsJson(request)) return { message, task };
      return html(reply, 200, `<h1>${esc(message.vi)}<br><small>${esc(message.en)}</small></h1><p>Hồ sơ / Case <b>${esc(caseCode)}</b></p>`);
    },
  );

  async function usableClaims(token: string): Promise<ActionLinkClaims> {
    const check = actionLinks.verify(token);
    if (!check.ok) throw check.reason === 'expired' ? linkProblem(410, 'link-expired') : linkProblem(400, 'invalid-link');
    const used = await ctx.db.prisma.actionLinkUse.findUnique({ where: { tokenId: check.claims.id } });
    if (used) throw linkProblem(410, 'link-used');
    return check.claims;
  }
}

function linkProblem(status: number, type: keyof typeof MESSAGES): Problem {
  const m = MESSAGES[type];
  return new Problem(status, type, `${m.vi} / ${m.en}`);
}

/** Problems on link pages are pages too, unless the client asked for JSON. */
export function sendLinkPage(request: FastifyRequest, reply: FastifyReply, problem: Problem): boolean {
  if (wantsJson(request) || !request.url.startsWith('/actions/')) return false;
  const known = (MESSAGES as Partial<Record<ProblemType, Bilingual>>)[problem.type];
  const text = known ?? { vi: 'Không thể thực hiện thao tác.', en: 'The action could not be done.' };
  const detail = known ? '' : `<p><small>${esc(problem.detail)}</small></p>`;
  if (problem.headers) reply.headers(problem.headers);
  void html(reply, problem.status, `<h1>${esc(text.vi)}<br><small>${esc(text.en)}</small></h1>${detail}`);
  return true;
}

function wantsJson(request: FastifyRequest): boolean {
  const accept = String(request.headers.accept ?? '');
  return accept.includes('application/json') && !accept.includes('text/html');
}

const taskTitle = (ctx: ApiContext, key: string) => taskPolicyOf(ctx.policy, key)?.title ?? null;
const outcomesOf = (ctx: ApiContext, key: string) => Object.keys(taskPolicyOf(ctx.policy, key)?.outcomes ?? {});

const label = (outcome: string) => outcome.replace(/_/g, ' ');

const vietnamTime = (epochSeconds: number, locale: string) =>
  new Intl.DateTimeFormat(locale, { timeZone: 'Asia/Ho_Chi_Minh', dateStyle: 'short', timeStyle: 'short' }).format(new Date(epochSeconds * 1000));


function html(reply: FastifyReply, status: number, body: string) {
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
    .send(`<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>Đồng Hành</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;line-height:1.5}
h1{font-size:1.3rem}small{color:#555}button{display:block;width:100%;margin:.5rem 0;padding:.8rem;font-size:1rem;border-radius:.4rem;border:1px solid #1d5c8a;background:#1d6fa8;color:#fff;cursor:pointer}
button small{color:#e6f0f7}.note{margin-top:2rem;font-size:.9rem}</style></head>
<body><p><b>Đồng Hành</b></p>${body}</body></html>`);
}

