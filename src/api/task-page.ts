/**
 * One task as the task pages show it (short links, the inbox): case code, task, what is late and
 * since when, and one form per action the task allows, each posting with the page's form token.
 * Nothing about the person: the pages need no personal-data permission. Acting goes through the
 * same action specs as the API (journey-actions.ts), so the matrix, the journey's rules and the
 * audit are the API's.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { DeclineReason, ExtensionReason } from '../journey/definitions';
import { taskPolicyOf } from '../policy/tasks';
import { escapeHtml as esc } from '../html';
import type { ApiContext } from './context';
import { runTaskAction } from './journey-actions';
import type { Bilingual } from './link-pages';
import { Problem } from './problems';
import { parse } from './routing';
import { pageActions } from './routes/tasks';

export const PageAction = z.enum(['acknowledge', 'complete', 'extend', 'decline', 'accept']);
export type PageAction = z.infer<typeof PageAction>;

/** What a task page's form posts. */
export const PageForm = z.strictObject({
  form: z.string().min(1).max(100).describe("The page's form token"),
  action: PageAction,
  outcome: z.string().min(1).max(64).optional(),
  extendBy: z.string().min(1).max(8).optional(),
  reason: z.string().min(1).max(64).optional(),
});
export type PageForm = z.infer<typeof PageForm>;

export interface PageTask {
  id: string;
  caseCode: string;
  key: string;
  status: string;
  agencyId: string;
  acknowledgeDueAt: Date;
  completeDueAt: Date;
  leadAgencyId: string;
}

const WORDS: Record<string, Bilingual> = {
  safe: { vi: 'An toàn', en: 'Safe' },
  needs_support: { vi: 'Cần hỗ trợ thêm', en: 'Needs support' },
  lost_contact: { vi: 'Mất liên lạc', en: 'Lost contact' },
  re_trafficked: { vi: 'Nghi bị mua bán lại', en: 'Re-trafficked' },
  traced: { vi: 'Đã liên lạc lại được', en: 'Traced' },
  not_traced: { vi: 'Không tìm được', en: 'Not traced' },
  victim: { vi: 'Là nạn nhân', en: 'Victim' },
  not_victim: { vi: 'Không phải nạn nhân', en: 'Not a victim' },
  waiting_for_documents: { vi: 'Chờ giấy tờ', en: 'Waiting for documents' },
  person_unavailable: { vi: 'Người được hỗ trợ chưa sẵn sàng', en: 'Person unavailable' },
  medical_reasons: { vi: 'Lý do y tế', en: 'Medical reasons' },
  interpreter_needed: { vi: 'Cần phiên dịch', en: 'Interpreter needed' },
  capacity: { vi: 'Quá tải', en: 'No capacity now' },
  no_capacity: { vi: 'Không đủ năng lực tiếp nhận', en: 'No capacity' },
  not_competent: { vi: 'Không thuộc thẩm quyền', en: 'Not competent' },
  conflict_of_interest: { vi: 'Xung đột lợi ích', en: 'Conflict of interest' },
  person_refused: { vi: 'Người được hỗ trợ từ chối', en: 'The person refused' },
  other: { vi: 'Lý do khác', en: 'Other' },
};
const word = (code: string): Bilingual => WORDS[code] ?? { vi: code.replace(/_/g, ' '), en: code.replace(/_/g, ' ') };
const both = (b: Bilingual) => `${esc(b.vi)} / ${esc(b.en)}`;

export const DONE_TEXT: Record<PageAction, Bilingual> = {
  acknowledge: { vi: 'Đã ghi nhận: bạn đã nhận nhiệm vụ.', en: 'Recorded: you acknowledged the task.' },
  complete: { vi: 'Đã ghi nhận: nhiệm vụ đã hoàn thành.', en: 'Recorded: the task is completed.' },
  extend: { vi: 'Đã ghi nhận: hạn hoàn thành được gia hạn.', en: 'Recorded: the deadline was extended.' },
  decline: { vi: 'Đã ghi nhận: bạn đã từ chối chuyển gửi; nhiệm vụ trở về cơ quan chủ trì.', en: 'Recorded: you declined the referral; the task goes back to the lead agency.' },
  accept: { vi: 'Đã ghi nhận: cơ quan bạn đã nhận chuyển gửi.', en: 'Recorded: your agency accepted the referral.' },
};

const vnTime = (d: Date, locale: string) => new Intl.DateTimeFormat(locale, { timeZone: 'Asia/Ho_Chi_Minh', dateStyle: 'short', timeStyle: 'short' }).format(d);
const when = (d: Date) => `${esc(vnTime(d, 'vi-VN'))}`;

/** What is late, and since when; or the next deadline. */
function lateness(t: PageTask, now: Date): string {
  if (t.status === 'open' && t.acknowledgeDueAt < now) return `<p class="late">Quá hạn xác nhận từ ${when(t.acknowledgeDueAt)} / Not acknowledged, overdue since ${when(t.acknowledgeDueAt)}</p>`;
  if (t.completeDueAt < now) return `<p class="late">Quá hạn hoàn thành từ ${when(t.completeDueAt)} / Not done, overdue since ${when(t.completeDueAt)}</p>`;
  const next = t.status === 'open' ? t.acknowledgeDueAt : t.completeDueAt;
  const what = t.status === 'open' ? { vi: 'Hạn xác nhận', en: 'Acknowledge by' } : { vi: 'Hạn hoàn thành', en: 'Complete by' };
  return `<p>${esc(what.vi)}: ${when(next)} / ${esc(what.en)}: ${when(next)} <small>(giờ Việt Nam / Vietnam time)</small></p>`;
}

/** The task and its forms; `actionUrl` is where they post, `token` the page's form token. */
export function taskCard(ctx: ApiContext, t: PageTask, now: Date, actionUrl: string, token: string): string {
  const policy = taskPolicyOf(ctx.policy, t.key);
  const title = policy?.title ?? { vi: t.key, en: t.key };
  const form = (action: PageAction, inner: string) =>
    `<form method="post" action="${esc(actionUrl)}"><input type="hidden" name="form" value="${esc(token)}"><input type="hidden" name="action" value="${action}">${inner}</form>`;
  const parts = [`<div class="task"><p><b>${esc(t.caseCode)}</b> — ${esc(title.vi)}<br><small>${esc(title.en)}</small></p>`, lateness(t, now)];
  if (t.status === 'open') parts.push(form('acknowledge', `<button>Xác nhận đã nhận / Acknowledge</button>`));
  const outcomes = Object.keys(policy?.outcomes ?? {});
  if (policy?.plans) {
    parts.push(`<p>Nhiệm vụ này cần kế hoạch hỗ trợ: hãy ghi kế hoạch qua API hoặc báo điều phối viên.<br><small>This task needs a support plan: record it through the API or ask your coordinator.</small></p>`);
  } else if (outcomes.length) {
    parts.push(form('complete', outcomes.map((o) => `<button name="outcome" value="${esc(o)}">Hoàn thành / Complete: ${both(word(o))}</button>`).join('')));
  } else {
    parts.push(form('complete', `<button>Đã hoàn thành / Completed</button>`));
  }
  const options = (codes: readonly string[]) => codes.map((c) => `<option value="${esc(c)}">${both(word(c))}</option>`).join('');
  const days = ['1d', '2d', '3d', '7d'].map((d) => `<option value="${d}">${d.slice(0, -1)} ngày / days</option>`).join('');
  parts.push(
    form('extend', `<label>Xin gia hạn / Ask for more time<select name="extendBy">${days}</select></label><label>Lý do / Reason<select name="reason">${options(ExtensionReason.options)}</select></label><button class="quiet">Xin gia hạn / Request extension</button>`),
  );
  if (t.agencyId !== t.leadAgencyId) {
    if (t.status === 'open') parts.push(form('accept', `<button class="quiet">Nhận chuyển gửi / Accept the referral</button>`));
    parts.push(form('decline', `<label>Từ chối chuyển gửi / Decline the referral<select name="reason">${options(DeclineReason.options)}</select></label><button class="quiet">Từ chối / Decline</button>`));
  }
  return `${parts.join('\n')}</div>`;
}

/** Does what the form says, as the request's principal, through the API's own action specs. */
export async function actOnTask(ctx: ApiContext, page: { request: FastifyRequest; reply: FastifyReply }, t: { caseCode: string; taskId: string }, form: PageForm) {
  const task = { caseCode: t.caseCode, taskKey: t.taskId.slice(t.caseCode.length + 1) };
  const specs = pageActions();
  const field = (name: 'outcome' | 'extendBy' | 'reason') => (form[name] !== undefined ? { [name]: form[name] } : {});
  switch (form.action) {
    case 'acknowledge':
      return runTaskAction(ctx, specs.acknowledge, page, task, {});
    case 'complete':
      return runTaskAction(ctx, specs.complete, page, task, parse(specs.complete.body!, field('outcome'), 'body'));
    case 'extend':
      return runTaskAction(ctx, specs.extend, page, task, parse(specs.extend.body!, { ...field('extendBy'), ...field('reason') }, 'body'));
    case 'decline':
      return runTaskAction(ctx, specs.decline, page, task, parse(specs.decline.body!, field('reason'), 'body'));
    case 'accept':
      return runTaskAction(ctx, specs.accept, page, task, {});
    default:
      throw new Problem(400, 'invalid-request', 'unknown action');
  }
}
