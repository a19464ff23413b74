/**
 * The worker's health endpoint (WORKER_HEALTH_PORT): `GET /healthz` answers 200 while the worker
 * state is RUNNING and 503 otherwise — while it starts, drains after SIGTERM, or has failed — so
 * an orchestrator sends no new work to a replica that is leaving and restarts one that is stuck.
 * Plain node:http: it must keep answering while everything else is shutting down.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { State } from '@temporalio/worker';

export interface WorkerHealth {
  url: string;
  close(): Promise<void>;
}

export async function startWorkerHealth(state: () => State, where: { host: string; port: number }): Promise<WorkerHealth> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/healthz') return answer(res, 404, { error: 'not found' });
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return answer(res, 405, { error: 'method not allowed' });
    }
    const now = state();
    answer(res, now === 'RUNNING' ? 200 : 503, { worker: now });
  });
  // Probes are short: keep-alive sockets would only hold the close below.
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new Error(`Port ${where.port} on ${where.host} is already in use: set WORKER_HEALTH_PORT=<port> to use another`) : error),
    );
    server.listen(where.port, where.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const host = where.host.includes(':') ? `[${where.host}]` : where.host;
  return {
    url: `http://${host}:${port}/healthz`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function answer(res: http.ServerResponse, status: number, body: object): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}
