/**
 * The worker's health endpoint (WORKER_HEALTH_PORT): `GET /healthz` answers 200 while the worker
 * state is RUNNING and 503 otherwise — while it starts, drains after SIGTERM, or has failed — so
 * an orchestrator sends no new work to a replica that is leaving and restarts one that is stuck.
 */
import type http from 'node:http';
import type { State } from '@temporalio/worker';
import { startEndpoint, type Endpoint } from './http-endpoint';

export type WorkerHealth = Endpoint;

export function startWorkerHealth(state: () => State, where: { host: string; port: number }): Promise<WorkerHealth> {
  return startEndpoint({
    path: '/healthz',
    where,
    portVariable: 'WORKER_HEALTH_PORT',
    // Probes are short: keep-alive sockets would only hold the close.
    keepAliveTimeoutMs: 1_000,
    handle(_req, res) {
      const now = state();
      answer(res, now === 'RUNNING' ? 200 : 503, { worker: now });
    },
    refuse: (res, status, message) => answer(res, status, { error: message }),
  });
}

function answer(res: http.ServerResponse, status: number, body: object): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}
