/**
 * A one-path HTTP endpoint on plain node:http (the worker's /healthz and /metrics): it must keep
 * answering while everything else shuts down, so no framework. Other paths get 404, other methods
 * 405; a taken port fails the start naming the variable that moves it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Endpoint {
  url: string;
  close(): Promise<void>;
}

export interface EndpointOptions {
  path: string;
  where: { host: string; port: number };
  /** The setting that chooses the port, named in the error when it is taken. */
  portVariable: string;
  keepAliveTimeoutMs: number;
  /** Answers GET and HEAD on `path`. */
  handle(req: http.IncomingMessage, res: http.ServerResponse): void;
  /** Writes the 404 and 405 answers in the endpoint's own format. */
  refuse(res: http.ServerResponse, status: 404 | 405, message: string): void;
}

export async function startEndpoint(o: EndpointOptions): Promise<Endpoint> {
  const server = http.createServer((req, res) => {
    if ((req.url ?? '/').split('?')[0] !== o.path) return o.refuse(res, 404, 'not found');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return o.refuse(res, 405, 'method not allowed');
    }
    o.handle(req, res);
  });
  server.keepAliveTimeout = o.keepAliveTimeoutMs;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new Error(`Port ${o.where.port} on ${o.where.host} is already in use: set ${o.portVariable}=<port> to use another`) : error),
    );
    server.listen(o.where.port, o.where.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const host = o.where.host.includes(':') ? `[${o.where.host}]` : o.where.host;
  return {
    url: `http://${host}:${port}${o.path}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
