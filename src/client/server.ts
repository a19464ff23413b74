/** The coordinator and staff HTTP API. */
import Fastify, { type FastifyBaseLogger } from 'fastify';
import type { Logger } from '../logger';
import { caseRoutes, type CaseRouteDeps } from './cases';
import { Problem, sendProblem } from './problems';

/** Case requests are small; anything larger is a mistake or an attack. */
export const BODY_LIMIT_BYTES = 16 * 1024;

export function buildApi(deps: CaseRouteDeps & { logger: Logger }) {
  const app = Fastify({ loggerInstance: deps.logger as FastifyBaseLogger, bodyLimit: BODY_LIMIT_BYTES, genReqId: () => crypto.randomUUID() });

  // JSON only: a form or plain-text body is a 415, not a string for the schemas to puzzle over.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'));

  app.setErrorHandler((error, request, reply) => {
    if (error instanceof Problem) return sendProblem(request, reply, error);
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    if (status === 413) return sendProblem(request, reply, new Problem(413, 'payload-too-large', `The body may be at most ${BODY_LIMIT_BYTES} bytes`));
    if (status === 415) return sendProblem(request, reply, new Problem(415, 'unsupported-media-type', 'Send the body as application/json'));
    if (status >= 400 && status < 500) return sendProblem(request, reply, new Problem(status, 'invalid-request', (error as Error).message));
    request.log.error({ err: error }, 'request failed');
    return sendProblem(request, reply, new Problem(500, 'internal-error', 'The request could not be completed; it has been logged'));
  });
  app.setNotFoundHandler((request, reply) => sendProblem(request, reply, new Problem(404, 'not-found', `No route ${request.method} ${request.url}`)));

  app.get('/healthz', async () => ({ status: 'ok' }));
  caseRoutes(app, deps);
  return app;
}
