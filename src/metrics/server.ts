/**
 * The worker's GET /metrics (WORKER_METRICS_PORT): the SDK's runtime metrics and the service's
 * own, for Prometheus.
 */
import type http from 'node:http';
import { startEndpoint, type Endpoint } from '../http-endpoint';
import { decideMetrics, METRICS_REFUSALS, type MetricsAccess } from './access';
import type { MetricsExposition } from './exposition';

export type MetricsServer = Endpoint;

export function startMetricsServer(exposition: MetricsExposition, where: { host: string; port: number }, access: MetricsAccess): Promise<MetricsServer> {
  return startEndpoint({
    path: '/metrics',
    where,
    portVariable: 'WORKER_METRICS_PORT',
    keepAliveTimeoutMs: 5_000,
    handle(req, res) {
      const decision = decideMetrics(access, req.headers.authorization);
      if (decision !== 'allow') {
        if (decision === 'unauthorized') res.setHeader('www-authenticate', 'Bearer realm="metrics"');
        return plain(res, decision === 'unauthorized' ? 401 : 403, METRICS_REFUSALS[decision]);
      }
      exposition.text().then(
        (text) => {
          res.writeHead(200, { 'content-type': exposition.contentType, 'cache-control': 'no-store' });
          res.end(req.method === 'HEAD' ? undefined : text);
        },
        () => plain(res, 503, 'metrics unavailable'),
      );
    },
    refuse: plain,
  });
}

function plain(res: http.ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`${text}\n`);
}
