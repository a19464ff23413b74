/**
 * Errors as RFC 9457 problem details, with a title in the caller's language (Vietnamese unless
 * the request prefers English) and the exact fields that are wrong.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z, type ZodError } from 'zod';

export interface FieldProblem {
  path: string;
  message: string;
}

export const TITLES = {
  'invalid-request': { vi: 'Yêu cầu không hợp lệ', en: 'Invalid request' },
  unauthorized: { vi: 'Chưa xác thực', en: 'Authentication required' },
  forbidden: { vi: 'Không có quyền thực hiện', en: 'Not allowed' },
  'not-found': { vi: 'Không tìm thấy', en: 'Not found' },
  'method-not-allowed': { vi: 'Phương thức không được hỗ trợ', en: 'Method not allowed' },
  conflict: { vi: 'Xung đột với trạng thái hiện tại', en: 'Conflict with the current state' },
  'action-refused': { vi: 'Thao tác không được chấp nhận', en: 'Action refused' },
  'invalid-link': { vi: 'Liên kết không hợp lệ', en: 'Invalid link' },
  'link-expired': { vi: 'Liên kết đã hết hạn', en: 'This link has expired' },
  'link-used': { vi: 'Liên kết đã được sử dụng', en: 'This link has already been used' },
  'payload-too-large': { vi: 'Nội dung yêu cầu quá lớn', en: 'Request body too large' },
  'unsupported-media-type': { vi: 'Định dạng nội dung không được hỗ trợ', en: 'Unsupported content type' },
  'rate-limited': { vi: 'Quá nhiều yêu cầu', en: 'Too many requests' },
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
    readonly headers?: Record<string, string>,
  ) {
    super(detail);
  }
}

/** The problem+json body, as documented in the OpenAPI description. */
export const ProblemBody = z.object({
  type: z.string().describe('urn:dong-hanh:problem:<kind>'),
  title: z.string().describe('In Vietnamese, or English when Accept-Language prefers it'),
  status: z.number().int(),
  detail: z.string(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional().describe('The failing fields, as dotted paths'),
  instance: z.string(),
  requestId: z.string(),
});

export function fieldProblems(error: ZodError): FieldProblem[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(body)', message: i.message }));
}

export function invalid(error: ZodError, where = 'body'): Problem {
  const errors = fieldProblems(error);
  return new Problem(400, 'invalid-request', `The request ${where} is invalid: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`, errors);
}

export function prefersEnglish(request: FastifyRequest): boolean {
  return /^\s*en\b/i.test(String(request.headers['accept-language'] ?? ''));
}

export function sendProblem(request: FastifyRequest, reply: FastifyReply, problem: Problem) {
  const language = prefersEnglish(request) ? 'en' : 'vi';
  if (problem.headers) reply.headers(problem.headers);
  return reply
    .code(problem.status)
    .type('application/problem+json')
    .send({
      type: `urn:dong-hanh:problem:${problem.type}`,
      title: TITLES[problem.type][language],
      status: problem.status,
      detail: problem.detail,
      ...(problem.errors ? { errors: problem.errors } : {}),
      instance: safeUrl(request.url),
      requestId: request.id,
    });
}

/** Action-link tokens are credentials: they never appear in a response or a log line. */
export function safeUrl(url: string): string {
  return url.replace(/\/actions\/[^/?#]+/, '/actions/[token]');
}
