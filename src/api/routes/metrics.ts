/**
 * GET /metrics: Prometheus text (the Temporal SDK's runtime metrics and the service's own,
 * src/metrics). With METRICS_TOKEN it needs that bearer token; without, it answers only on a
 * loopback API_HOST. Not an API key: a scraper has no role in the matrix.
 */
import { decideMetrics, METRICS_REFUSALS } from '../../metrics/access';
import type { ApiContext } from '../context';
import { Problem } from '../problems';

export function metricsRoutes(ctx: ApiContext) {
  const { metrics } = ctx;
  ctx.routes.add(
    {
      method: 'GET',
      url: '/metrics',
      operationId: 'metrics',
      tag: 'Service',
      summary: 'Prometheus metrics: Temporal SDK runtime metrics, tasks overdue, escalations per step, notification failures per channel',
      description: 'With `METRICS_TOKEN` set, send it as `Authorization: Bearer <token>`; without, served only when the API listens on loopback.',
      access: 'public',
      responses: {
        200: { description: 'Prometheus text exposition format', contentType: 'text/plain' },
        401: { description: 'METRICS_TOKEN is set and was not sent' },
        403: { description: 'No METRICS_TOKEN and the API is not on loopback' },
      },
    },
    async ({ request, reply }) => {
      const decision = decideMetrics(metrics.access, request.headers.authorization);
      if (decision === 'unauthorized') throw new Problem(401, 'unauthorized', METRICS_REFUSALS.unauthorized, undefined, { 'www-authenticate': 'Bearer realm="metrics"' });
      if (decision === 'closed') throw new Problem(403, 'forbidden', METRICS_REFUSALS.closed);
      return reply.type(metrics.exposition.contentType).send(await metrics.exposition.text());
    },
  );
}
