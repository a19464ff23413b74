/**
 * The short links of notifications (src/auth/task-links.ts): `GET /t/:id` shows the task to the
 * person the link was sent to, and changes nothing (mail scanners open links); `POST /t/:id`
 * acts, with the page's form token, as that person with their API rights. A link is refused once
 * it expired or the task moved on (done, sent to another agency or person, case closed).
 */
import { z } from 'zod';
import { TASK_LINK_ID } from '../../auth/task-links';
import { ACTIVE_TASK_STATUSES } from '../../db/task-rules';
import type { ApiContext } from '../context';
import { html, linkProblem } from '../link-pages';
import { checkForm, formTokenFor } from '../page-forms';
import { Problem } from '../problems';
import { staffPrincipal } from '../staff-principal';
import { actOnTask, DONE_TEXT, PageForm, taskCard } from '../task-page';
import { escapeHtml as esc } from '../../html';

const LinkParams = z.strictObject({ id: z.string().regex(TASK_LINK_ID, 'a task link id') });

const MOVED_ON = {
  vi: 'Nhiệm vụ này đã được xử lý hoặc đã chuyển cho người khác; liên kết không còn dùng được.',
  en: 'This task has been dealt with or has moved to someone else; the link no longer works.',
};

export function taskLinkRoutes(ctx: ApiContext) {
  ctx.routes.add(
    {
      method: 'GET',
      url: '/t/:id',
      operationId: 'showTaskPage',
      tag: 'Action links',
      summary: "A notification's short link: the task and its actions, for the person it was sent to (changes nothing)",
      access: 'action-link',
      params: LinkParams,
      responses: { 200: { description: 'An HTML page in Vietnamese and English', contentType: 'text/html' }, 404: { description: 'No such link' }, 409: { description: 'The task moved on' }, 410: { description: 'Expired' } },
    },
    async ({ request, reply, params }) => {
      const { link, task } = await usableLink(ctx, params.id);
      const token = formTokenFor(request, reply, ctx.security.taskLinks, `t:${link.id}`, ctx.security.taskLinks.secureCookies);
      return html(reply, 200, taskCard(ctx, task, ctx.now(), `/t/${link.id}`, token));
    },
  );
  ctx.routes.add(
    {
      method: 'POST',
      url: '/t/:id',
      operationId: 'actOnTaskPage',
      tag: 'Action links',
      summary: 'Act on the task of a short link (acknowledge, complete with an outcome, extend, accept or decline a referral), with the form token of its page',
      access: 'action-link',
      params: LinkParams,
      body: PageForm,
      responses: { 200: { description: 'Done: an HTML page', contentType: 'text/html' }, 403: { description: 'Form token missing or wrong, or the matrix refuses' }, 409: { description: 'The task moved on' }, 410: { description: 'Expired' } },
    },
    async ({ request, reply, params, body }) => {
      checkForm(request, ctx.security.taskLinks, `t:${params.id}`, body.form);
      const { link, staff, task } = await usableLink(ctx, params.id);
      request.principal = staffPrincipal('task-link', link.id, staff);
      await actOnTask(ctx, { request, reply }, { caseCode: task.caseCode, taskId: task.id }, body);
      const done = DONE_TEXT[body.action];
      return html(reply, 200, `<h1>${esc(done.vi)}<br><small>${esc(done.en)}</small></h1><p>Hồ sơ / Case <b>${esc(task.caseCode)}</b></p>`);
    },
  );
}

async function usableLink(ctx: ApiContext, id: string) {
  const link = await ctx.db.prisma.taskLink.findUnique({ where: { id } });
  if (!link) throw linkProblem(404, 'invalid-link');
  if (link.expiresAt <= ctx.now()) throw linkProblem(410, 'link-expired');
  const staff = await ctx.db.prisma.staffMember.findUnique({ where: { id: link.staffId }, include: { agency: true } });
  if (!staff?.active || staff.agencyId !== link.agencyId) throw linkProblem(403, 'forbidden');
  const row = await ctx.db.prisma.task.findUnique({ where: { id: link.taskId }, include: { case: true } });
  const movedOn =
    !row ||
    !ACTIVE_TASK_STATUSES.includes(row.status) ||
    row.case.status !== 'active' ||
    row.agencyId !== link.taskAgencyId ||
    (link.assigneeId !== null && link.assigneeId === link.staffId && row.assigneeId !== link.staffId);
  if (movedOn) throw new Problem(409, 'conflict', `${MOVED_ON.vi} / ${MOVED_ON.en}`);
  return { link, staff, task: { ...row, leadAgencyId: row.case.leadAgencyId } };
}
