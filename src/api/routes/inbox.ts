/**
 * The task inbox at /inbox: sign in with a one-time code (inbox-sign-in.ts), see my open tasks
 * and my agency's, overdue first, and act on them with the forms of the short-link pages. GET
 * changes nothing; every POST needs its page's form token (page-forms.ts); acting goes through
 * the API's own action specs as the signed-in staff member, so the matrix and the audit apply.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { coveredBy } from '../../db/staff-cover';
import { ACTIVE_TASK_STATUSES } from '../../db/task-rules';
import { auditAfter, type ApiContext } from '../context';
import { codePage, inboxPage, noticePage, overdueFirst, signInPage, withLang, type PageLanguage } from '../inbox-page';
import { SignIn, TICKET } from '../inbox-sign-in';
import { html } from '../link-pages';
import { checkForm, formTokenFor } from '../page-forms';
import { Problem } from '../problems';
import { TaskParams } from '../schemas';
import { actOnTask, PageAction, PageForm } from '../task-page';

const Lang = z.enum(['vi', 'en']).optional().describe('The language of the page (default: the staff member’s, else the browser’s)');
const LangQuery = z.strictObject({ lang: Lang });
const InboxQuery = z.strictObject({ lang: Lang, done: PageAction.optional().describe('The action just recorded, to confirm it') });
const CodeRequest = z.strictObject({
  form: z.string().min(1).max(100).describe("The page's form token"),
  address: z.string().trim().min(1).max(254).describe('Email address, phone number or staff id of the person signing in'),
});
const CodeEntry = z.strictObject({
  form: z.string().min(1).max(100).describe("The page's form token"),
  ticket: z.string().regex(TICKET, 'the ticket of the code page'),
  // Typed on a phone: spaces are ignored, and a mistyped code is simply a wrong one (the code page again).
  code: z.string().min(1).max(20).describe('The 6-digit code (spaces ignored)'),
});
const SignOutForm = z.strictObject({ form: z.string().min(1).max(100).describe("The page's form token") });

const PAGE = { description: 'An HTML page', contentType: 'text/html' };
const SEE_INBOX = { description: 'Done: on to the inbox (303 See Other)' };

export function inboxRoutes(ctx: ApiContext) {
  const signIn = new SignIn(ctx);
  const secure = ctx.security.taskLinks.secureCookies;
  const token = (request: FastifyRequest, reply: FastifyReply, purpose: string) => formTokenFor(request, reply, ctx.security.taskLinks, purpose, secure);
  const languageOf = (request: FastifyRequest, chosen: PageLanguage | undefined, staffLanguage?: string): PageLanguage =>
    chosen ?? (staffLanguage === 'en' || staffLanguage === 'vi' ? staffLanguage : /^en\b/i.test(String(request.headers['accept-language'] ?? '')) ? 'en' : 'vi');

  ctx.routes.add(
    {
      method: 'GET',
      url: '/inbox',
      operationId: 'showInbox',
      tag: 'Task inbox',
      summary: 'The task inbox: my open tasks and my agency’s, overdue first, with their actions; or the sign-in form (changes nothing)',
      access: 'inbox',
      query: InboxQuery,
      responses: { 200: PAGE },
    },
    async ({ request, reply, query }) => {
      const session = await signIn.session(request);
      if (!session) {
        return html(reply, 200, signInPage(languageOf(request, query.lang), query.lang, token(request, reply, 'inbox:sign-in')));
      }
      const { principal } = session;
      const now = ctx.now();
      // Tasks of absent colleagues I cover for are mine while they are away.
      const mineOf = [principal.staffId!, ...(await coveredBy(ctx.db.prisma, principal.staffId!, principal.agencyId ?? '', now))];
      const rows = await ctx.db.prisma.task.findMany({
        where: { status: { in: ACTIVE_TASK_STATUSES }, case: { status: 'active' }, OR: [{ assigneeId: { in: mineOf } }, { agencyId: principal.agencyId ?? '' }] },
        include: { case: { select: { leadAgencyId: true } } },
        take: 200,
      });
      const tasks = overdueFirst(
        rows.map((t) => ({ ...t, leadAgencyId: t.case.leadAgencyId })),
        now,
      );
      return html(
        reply,
        200,
        inboxPage(ctx, {
          lang: languageOf(request, query.lang, session.language),
          keep: query.lang,
          staffName: principal.owner,
          mine: tasks.filter((t) => t.assigneeId !== null && mineOf.includes(t.assigneeId)),
          agency: tasks.filter((t) => t.assigneeId === null || !mineOf.includes(t.assigneeId)),
          now,
          done: query.done,
          tokenFor: (purpose) => token(request, reply, purpose === 'sign-out' ? `inbox:sign-out:${session.sessionId}` : `inbox:${purpose.taskId}`),
        }),
      );
    },
  );

  ctx.routes.add(
    {
      method: 'POST',
      url: '/inbox/sign-in',
      operationId: 'requestInboxCode',
      tag: 'Task inbox',
      summary: 'Ask for a one-time sign-in code by email or SMS; the same answer whether or not the address is known',
      access: 'inbox',
      query: LangQuery,
      body: CodeRequest,
      responses: { 200: PAGE, 403: { description: 'Form token missing or wrong' }, 429: { description: 'Too many code requests from this address; see Retry-After' } },
    },
    async ({ request, reply, query, body }) => {
      checkForm(request, ctx.security.taskLinks, 'inbox:sign-in', body.form);
      const lang = languageOf(request, query.lang);
      const rate = signIn.mayRequest(request.ip);
      if (!rate.allowed) return html(reply.header('retry-after', String(rate.retryAfterSeconds)), 429, noticePage(lang, query.lang, 'tooMany'));
      const ticket = signIn.request(request, body.address);
      return html(reply, 200, codePage(lang, query.lang, token(request, reply, `inbox:code:${ticket}`), ticket));
    },
  );

  ctx.routes.add(
    {
      method: 'POST',
      url: '/inbox/verify',
      operationId: 'signInToInbox',
      tag: 'Task inbox',
      summary: 'Sign in with the one-time code: sets the session cookie (HttpOnly, SameSite=Strict) and goes to the inbox',
      access: 'inbox',
      query: LangQuery,
      body: CodeEntry,
      responses: {
        303: SEE_INBOX,
        401: { description: 'The code is wrong, expired, used or has had too many attempts (one answer for all): the code page again' },
        403: { description: 'Form token missing or wrong' },
        429: { description: 'Too many attempts from this address; see Retry-After' },
      },
    },
    async ({ request, reply, query, body }) => {
      checkForm(request, ctx.security.taskLinks, `inbox:code:${body.ticket}`, body.form);
      const lang = languageOf(request, query.lang);
      const rate = signIn.mayAttempt(request.ip);
      if (!rate.allowed) return html(reply.header('retry-after', String(rate.retryAfterSeconds)), 429, noticePage(lang, query.lang, 'tooMany'));
      const staffId = await signIn.verify(body.ticket, body.code.replace(/\s/g, ''));
      const principal = staffId && (await signIn.startSession(reply, staffId));
      if (!principal) {
        await auditAfter(ctx, request, { action: 'inbox.sign-in', outcome: 'refused' });
        return html(reply, 401, codePage(lang, query.lang, token(request, reply, `inbox:code:${body.ticket}`), body.ticket, true));
      }
      request.principal = principal;
      await auditAfter(ctx, request, { action: 'inbox.sign-in', outcome: 'ok', target: staffId });
      return reply.redirect(withLang('/inbox', query.lang), 303);
    },
  );

  ctx.routes.add(
    {
      method: 'POST',
      url: '/inbox/cases/:code/tasks/:taskKey',
      operationId: 'actInInbox',
      tag: 'Task inbox',
      summary: 'Act on a task from the inbox (acknowledge, complete with an outcome, extend, accept or decline a referral), as the signed-in staff member',
      access: 'inbox',
      params: TaskParams,
      query: LangQuery,
      body: PageForm,
      responses: {
        303: SEE_INBOX,
        401: { description: 'Not signed in, or the session ended' },
        403: { description: 'Form token missing or wrong, or the matrix refuses' },
        409: { description: 'The task moved on' },
        422: { description: 'The journey refused the action' },
      },
    },
    async ({ request, reply, params, query, body }) => {
      const taskId = `${params.code}/${params.taskKey}`;
      checkForm(request, ctx.security.taskLinks, `inbox:${taskId}`, body.form);
      const session = await signIn.session(request);
      if (!session) return html(reply, 401, noticePage(languageOf(request, query.lang), query.lang, 'signInAgain'));
      request.principal = session.principal;
      await actOnTask(ctx, { request, reply }, { caseCode: params.code, taskId }, body);
      return reply.redirect(`${withLang('/inbox', query.lang)}${query.lang ? '&' : '?'}done=${body.action}`, 303);
    },
  );

  ctx.routes.add(
    {
      method: 'POST',
      url: '/inbox/sign-out',
      operationId: 'signOutOfInbox',
      tag: 'Task inbox',
      summary: 'Sign out: ends the session and clears its cookie',
      access: 'inbox',
      query: LangQuery,
      body: SignOutForm,
      responses: { 303: { description: 'Signed out: on to the sign-in page (303 See Other)' }, 403: { description: 'Form token missing or wrong' } },
    },
    async ({ request, reply, query, body }) => {
      const session = await signIn.session(request);
      if (!session) throw new Problem(403, 'forbidden', 'not signed in / chưa đăng nhập');
      checkForm(request, ctx.security.taskLinks, `inbox:sign-out:${session.sessionId}`, body.form);
      await signIn.endSession(reply, session.sessionId);
      request.principal = session.principal;
      await auditAfter(ctx, request, { action: 'inbox.sign-out', outcome: 'ok' });
      return reply.redirect(withLang('/inbox', query.lang), 303);
    },
  );
}
