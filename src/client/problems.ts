/**
 * Errors as RFC 9457 problem details, with a title in the caller's language (Vietnamese unless
 * the request prefers English) and the exact fields that are wrong.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ZodError } from 'zod';

export interface FieldProblem {
  path: string;
  message: string;
}

const TITLES = {
  'invalid-request': { vi: 'Yêu cầu không hợp lệ', en: 'Invalid request' },
  'not-found': { vi: 'Không tìm thấy', en: 'Not found' },
  conflict: { vi: 'Xung đột với trạng thái hiện tại', en: 'Conflict with the current state' },
  'action-refused': { vi: 'Thao tác không được chấp nhận', en: 'Action refused' },
  'payload-too-large': { vi: 'Nội dung yêu cầu quá lớn', en: 'Request body too large' },
  'unsupported-media-type': { vi: 'Định dạng nội dung không được hỗ trợ', en: 'Unsupported content type' },
  'service-unavailable': { vi: 'Dịch vụ tạm thời không sẵn sàng', en: 'Service temporarily unavailable' },
  'internal-error': { vi: 'Lỗi hệ thống', en: 'Internal error' },
} as const;
export type ProblemType = keyof typeof TITLES;

export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly type: ProblemType,
    readonly detail: string,
    readonly errors?: FieldProblem[],
  ) {
    super(detail);
  }
}

export function fieldProblems(error: ZodError): FieldProblem[] {
  return error.issues.map((i) => ({ path: i.path.join('.') || '(body)', message: i.message }));
}

export function invalid(error: ZodError, where = 'body'): Problem {
  const errors = fieldProblems(error);
  return new Problem(400, 'invalid-request', `The request ${where} is invalid: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`, errors);
}

export function sendProblem(request: FastifyRequest, reply: FastifyReply, problem: Problem) {
  const language = /^\s*en\b/i.test(String(request.headers['accept-language'] ?? '')) ? 'en' : 'vi';
  return reply
    .code(problem.status)
    .type('application/problem+json')
    .send({
      type: `urn:dong-hanh:problem:${problem.type}`,
      title: TITLES[problem.type][language],
      status: problem.status,
      detail: problem.detail,
      ...(problem.errors ? { errors: problem.errors } : {}),
      instance: request.url,
      requestId: request.id,
    });
}
