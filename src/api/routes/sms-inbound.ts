/**
 * POST /webhooks/sms-inbound: SMS that staff send to the service's number, as Twilio (or the local
 * gateway) forwards them. Public, but signed exactly as status callbacks are (X-Twilio-Signature
 * over the public URL and the form): a missing or wrong signature is a 403 and changes nothing.
 * The sender is matched to an active staff member by phone; a reply keyword (sms-replies.ts) acts
 * on the task of its reply code through the task pages' own action path (actOnTask), with that
 * person's API rights, so the matrix, the journey's rules and the audit are the same. Each message
 * is recorded by its MessageSid first: a replayed webhook acts once and gets the first answer.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { StaffMember } from '../../db/client';
import { ACTIVE_TASK_STATUSES } from '../../db/task-rules';
import { TaskRejection } from '../../journey/definitions';
import { Language } from '../../notifications/messages';
import { taskPolicyOf } from '../../policy/tasks';
import type { ApiContext } from '../context';
import { Problem, sendProblem } from '../problems';
import { answerText, parseReply, twimlAnswer, type AnswerFacts, type ReplyCommand, type ReplyResult } from '../sms-replies';
import { staffPrincipal } from '../staff-principal';
import { actOnTask } from '../task-page';
import { providerWebhookScope, signedByTwilio } from './webhooks';

export const SMS_INBOUND_PATH = '/webhooks/sms-inbound';

export interface SmsInboundDeps {
  /** Twilio auth token: the signing key. */
  authToken: string;
  /** The public origin Twilio posts to: signatures cover the exact URL. */
  publicBaseUrl: string;
  /** Messages per minute per client address (default 600). */
  rateLimitPerMinute?: number;
}

const InboundForm = z.object({
  MessageSid: z.string().regex(/^(SM|MM)[0-9a-fA-F]{32}$/),
  From: z.string().min(3).max(32),
  To: z.string().max(32).optional(),
  Body: z.string().max(1600),
});
type InboundForm = z.infer<typeof InboundForm>;

type InboundRequest = FastifyRequest<{ Body: Record<string, string> }>;
interface Handled {
  result: ReplyResult;
  answer: string;
  staffId?: string;
  taskId?: string;
  command?: ReplyCommand['action'];
}

export function smsInboundRoutes(app: FastifyInstance, ctx: ApiContext, deps: SmsInboundDeps) {
  void app.register(async (scope) => {
    providerWebhookScope(scope, deps.rateLimitPerMinute);
    scope.post<{ Body: Record<string, string> }>(SMS_INBOUND_PATH, (request, reply) => inbound(ctx, deps, request, reply));
  });
}

async function inbound(ctx: ApiContext, deps: SmsInboundDeps, request: InboundRequest, reply: FastifyReply) {
  const params = request.body && typeof request.body === 'object' ? request.body : {};
  if (!signedByTwilio(deps.authToken, deps.publicBaseUrl, request, params)) {
    request.log.warn({ path: SMS_INBOUND_PATH }, 'inbound SMS with a missing or wrong signature refused');
    return sendProblem(request, reply, new Problem(403, 'action-refused', 'The X-Twilio-Signature header is missing or does not match'));
  }
  const form = InboundForm.safeParse(params);
  if (!form.success) return sendProblem(request, reply, new Problem(400, 'invalid-request', 'Not an inbound message'));
  const sid = form.data.MessageSid;

  const { prisma } = ctx.db;
  const claimed = await prisma.inboundSms.create({ data: { id: sid } }).then(
    () => true,
    (error: { code?: string }) => {
      if (error?.code === 'P2002') return false;
      throw error;
    },
  );
  if (!claimed) {
    // A replay: the first answer again, and nothing done twice (nothing at all while the first is still at work).
    const first = await prisma.inboundSms.findUnique({ where: { id: sid } });
    request.log.info({ messageSid: sid, result: first?.result ?? 'in-progress' }, 'inbound SMS replayed');
    return twiml(reply, first?.answer ?? null);
  }

  let handled: Handled;
  try {
    handled = await handle(ctx, request, reply, form.data);
  } catch (error) {
    // Not answered (Temporal or the database unreachable): the provider's retry may act then.
    await prisma.inboundSms.delete({ where: { id: sid } }).catch(() => undefined);
    throw error;
  }
  const { result, answer, staffId, taskId, command } = handled;
  await prisma.inboundSms.update({ where: { id: sid }, data: { result, answer, staffId, taskId, command, answeredAt: ctx.now() } });
  // Never the number or the text: only what came of it.
  request.log.info({ messageSid: sid, result, staffId, taskId }, 'inbound SMS');
  return twiml(reply, answer);
}

function twiml(reply: FastifyReply, text: string | null) {
  return reply.code(200).type('text/xml; charset=utf-8').send(twimlAnswer(text));
}

async function handle(ctx: ApiContext, request: InboundRequest, reply: FastifyReply, form: InboundForm): Promise<Handled> {
  const staff = await senderOf(ctx, form.From);
  if (!staff) return { result: 'unknown-sender', answer: answerText('unknown-sender', 'vi') };
  const language = Language.catch('vi').parse(staff.language);
  const done = (result: ReplyResult, facts: AnswerFacts = {}, more: Partial<Handled> = {}): Handled => ({ result, answer: answerText(result, language, facts), staffId: staff.id, ...more });

  const command = parseReply(form.Body);
  if (!command) return done('not-understood');
  const task = await taskOfCode(ctx, command.code, staff);
  if (!task) return done('unknown-code', { code: command.code }, { command: command.action });

  const policy = taskPolicyOf(ctx.policy, task.key);
  const outcomes = Object.keys(policy?.outcomes ?? {});
  const facts: AnswerFacts = { task: (policy?.title ?? { vi: task.key, en: task.key })[language], caseCode: task.caseCode, code: command.code, outcomes };
  const about = { command: command.action, taskId: task.id };
  if (!ACTIVE_TASK_STATUSES.includes(task.status)) return done('already-done', facts, about);
  if (command.action === 'complete') {
    if (policy?.plans) return done('needs-plan', facts, about);
    if (outcomes.length && !command.word) return done('outcome-needed', facts, about);
    if (outcomes.length && !outcomes.includes(command.word!)) return done('unknown-outcome', facts, about);
  }
  // A word for a task without outcomes is ignored: "XONG 4821 ok" means done.
  const outcome = command.action === 'complete' && outcomes.length ? command.word : undefined;

  request.principal = staffPrincipal('sms-reply', form.MessageSid, staff);
  try {
    await actOnTask(ctx, { request, reply }, { caseCode: task.caseCode, taskId: task.id }, { form: 'sms', action: command.action, ...(outcome ? { outcome } : {}) });
  } catch (error) {
    if (!(error instanceof Problem) || error.status >= 500) throw error;
    return done(refusalResult(error), facts, about);
  }
  return done(command.action === 'acknowledge' ? 'acknowledged' : 'completed', { ...facts, outcome }, about);
}

/** The active staff member with this number, in E.164 or national form; none when unknown or shared. */
async function senderOf(ctx: ApiContext, from: string): Promise<(StaffMember & { agency: { province: string } }) | null> {
  const number = from.replace(/[\s().-]/g, '');
  const national = number.startsWith('+84') ? `0${number.slice(3)}` : number.startsWith('0') ? number : null;
  const variants = [...new Set([number, ...(national ? [national, `+84${national.slice(1)}`] : [])])];
  const matches = await ctx.db.prisma.staffMember.findMany({ where: { phone: { in: variants }, active: true }, include: { agency: true }, take: 2 });
  return matches.length === 1 ? matches[0]! : null;
}

/**
 * The task a code names for this person: the open one, or else the last one of their agency that
 * had it (to say it is done). A code of another agency's finished task is as unknown as a wrong one.
 */
async function taskOfCode(ctx: ApiContext, code: string, staff: StaffMember) {
  const { prisma } = ctx.db;
  const open = await prisma.task.findFirst({ where: { replyCode: code, status: { in: ACTIVE_TASK_STATUSES } } });
  if (open) return open;
  return prisma.task.findFirst({ where: { replyCode: code, agencyId: staff.agencyId }, orderBy: { createdAt: 'desc' } });
}

/** A refusal of the journey or of the matrix, as the answer that explains it. */
function refusalResult(problem: Problem): ReplyResult {
  const rejection = 'rejection' in problem ? (problem as Problem & { rejection: string }).rejection : undefined;
  if (problem.status === 404) return 'unknown-code';
  if (rejection === TaskRejection.alreadyDone) return 'already-done';
  if (rejection === TaskRejection.alreadyAcknowledged) return 'already-acknowledged';
  if (rejection === TaskRejection.invalidOutcome) return 'unknown-outcome';
  if (rejection === TaskRejection.invalidPlan) return 'needs-plan';
  if (problem.status === 403) return 'not-allowed';
  if (problem.status === 409) return 'moved-on';
  return 'refused';
}
