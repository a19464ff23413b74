/**
 * Local TCP port helpers for the servers this project starts itself (Temporal dev server, its UI,
 * the mail catcher, the API). Checking first turns a cryptic child-process crash into a message
 * that names the port and the setting that moves it.
 */
import net from 'node:net';

export class PortInUseError extends Error {
  override name = 'PortInUseError';
}

/** Rejects with a PortInUseError naming `envVarName` when `host:port` cannot be bound. */
export async function assertPortFree(host: string, port: number, envVarName: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'EADDRINUSE' ? 'is already in use' : `cannot be bound (${err.code ?? err.message})`;
      reject(
        new PortInUseError(
          `Port ${port} on ${host} ${why}. Stop the program using it, or choose another port with ${envVarName}=<port>.`,
        ),
      );
    });
    // exclusive: do not share a port that a cluster primary in this process already holds.
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve()));
  });
}

/** A port that was free a moment ago (the OS picks it); small race, fine for tests and dev. */
export async function findFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** True when something accepts TCP connections on `host:port` within `timeoutMs`. */
export function canConnect(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Polls until `host:port` accepts connections; rejects after `timeoutMs`. */
export async function waitForPort(host: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await canConnect(host, port))) {
    if (Date.now() > deadline) throw new Error(`Nothing is listening on ${host}:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
