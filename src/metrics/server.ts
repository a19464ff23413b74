/**
 * The worker's GET /metrics (WORKER_METRICS_PORT): the SDK's runtime metrics and the service's
 * own, for Prometheus. Plain node:http, like the health endpoint.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { decideMetrics, METRICS_REFUSALS, type MetricsAccess } from './access';
import type { MetricsExposition } from './exposition';

export interface MetricsServer {
  url: string;
  close(): Promise<void>;
}

export async function startMetricsServer(exposition: MetricsExposition, where: { host: string; port: number }, access: MetricsAccess): Promise<MetricsServer> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') return plain(res, 404, 'not found');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return plain(res, 405, 'method not allowed');
    }
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
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new Error(`Port ${where.port} on ${where.host} is already in use: set WORKER_METRICS_PORT=<port> to use another`) : error),
    );
    server.listen(where.port, where.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const host = where.host.includes(':') ? `[${where.host}]` : where.host;
  return {
    url: `http://${host}:${port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function plain(res: http.ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`${text}\n`);
}
