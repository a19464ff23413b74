/**
 * The Temporal SDK runtime, installed once per process before any connection (lifecycle.ts
 * `launch`): its logger, and its Prometheus exporter on a free loopback port. The exporter is
 * not exposed itself; the API's and the worker's /metrics include what it serves.
 */
import net from 'node:net';
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';

/** A port nothing listens on now, on 127.0.0.1. */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

let installedUrl: string | undefined;

/** Where this process's SDK metrics are served, once `installTemporalRuntime` ran. */
export const sdkMetricsUrl = (): string | undefined => installedUrl;

/** Installs the runtime; returns the URL of the SDK's metrics. */
export async function installTemporalRuntime(level: LogLevel): Promise<{ sdkMetricsUrl: string }> {
  const bindAddress = `127.0.0.1:${await freeLoopbackPort()}`;
  Runtime.install({
    logger: new DefaultLogger(level),
    // Counters end in _total, durations in seconds: what Prometheus users expect.
    telemetryOptions: { metrics: { prometheus: { bindAddress, countersTotalSuffix: true, useSecondsForDurations: true } } },
  });
  installedUrl = `http://${bindAddress}/metrics`;
  return { sdkMetricsUrl: installedUrl };
}
