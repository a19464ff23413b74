/**
 * Local mail catcher for a person's run with no SMTP_HOST: maildev's SMTP server plus its web UI
 * and REST API (GET /email), both bound to 127.0.0.1 only (maildev's defaults bind all interfaces,
 * which would expose case mail to the network).
 *
 * maildev keeps its state in module singletons, so one catcher per process at a time.
 */
import { assertPortFree, waitForPort } from './ports';

const HOST = '127.0.0.1';

/** The parts of maildev 2.2.1's programmatic API used here (it ships no types). */
interface MailDevServer {
  listen(): Promise<void>;
  close(callback: (err?: Error) => void): void;
}
type MailDevFactory = new (options: Record<string, unknown>) => MailDevServer;

export interface MailCatcherOptions {
  smtpPort: number;
  webPort: number;
  /** Where maildev keeps received mail; default: a folder in the OS temp dir per process. */
  mailDirectory?: string;
}

export interface MailCatcher {
  smtpPort: number;
  webUrl: string;
  stop(): Promise<void>;
}

let running = false;

export async function startMailCatcher(opts: MailCatcherOptions): Promise<MailCatcher> {
  if (running) throw new Error('A mail catcher is already running in this process (maildev is a singleton)');
  // Checked first: maildev throws port errors from inside event handlers, which would crash the process.
  await assertPortFree(HOST, opts.smtpPort, 'SMTP_PORT');
  await assertPortFree(HOST, opts.webPort, 'MAILDEV_WEB_PORT');

  // eslint-disable-next-line @typescript-eslint/no-require-imports -- untyped CommonJS package
  const MailDev = require('maildev') as MailDevFactory;
  // maildev installs SIGTERM/SIGINT handlers that call process.exit(0), which would cut our own
  // graceful shutdown short: remove exactly the ones it adds.
  const before = { SIGTERM: process.listeners('SIGTERM'), SIGINT: process.listeners('SIGINT') };
  const server = new MailDev({
    smtp: opts.smtpPort,
    web: opts.webPort,
    ip: HOST,
    webIp: HOST,
    mailDirectory: opts.mailDirectory,
    silent: true,
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    for (const l of process.listeners(signal)) if (!before[signal].includes(l)) process.removeListener(signal, l);
  }
  running = true;
  try {
    await server.listen();
    await waitForPort(HOST, opts.webPort, 10_000); // maildev does not report when its web server listens
  } catch (err) {
    await close(server);
    throw err;
  }

  let stopping: Promise<void> | undefined;
  return {
    smtpPort: opts.smtpPort,
    webUrl: `http://${HOST}:${opts.webPort}`,
    stop: () => (stopping ??= close(server)),
  };
}

function close(server: MailDevServer): Promise<void> {
  // Closing the SMTP server also closes the web server (maildev wires that up itself).
  return new Promise<void>((resolve) =>
    server.close(() => {
      running = false;
      resolve();
    }),
  );
}
