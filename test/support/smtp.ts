/** A real SMTP server in the test process: messages are parsed and kept for assertions. */
import { simpleParser, type ParsedMail } from 'mailparser';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { createMailer, type Mailer } from '../../src/transports/email';

export interface Inbox {
  port: number;
  messages: ParsedMail[];
  /** Resolves once at least `count` messages arrived, or fails after `timeoutMs`. */
  waitFor(count: number, timeoutMs?: number): Promise<ParsedMail[]>;
  close(): Promise<void>;
}

export interface InboxOptions {
  /** Refuse a recipient: return an SMTP reply (e.g. 550 mailbox unavailable, 451 try later) or nothing to accept. */
  refuseRecipient?: (address: string) => { code: number; message: string } | undefined;
  /** Default: a free port. A test restarting the server after an outage passes the old one. */
  port?: number;
  /** Called as each message is accepted (benchmarks time arrivals with it). */
  onMessage?: (mail: ParsedMail) => void;
}

export async function startInbox(options: InboxOptions = {}): Promise<Inbox> {
  const messages: ParsedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      const refusal = options.refuseRecipient?.(address.address);
      if (!refusal) return callback();
      callback(Object.assign(new Error(refusal.message), { responseCode: refusal.code }));
    },
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((mail) => {
          messages.push(mail);
          options.onMessage?.(mail);
          callback();
        })
        .catch(callback);
    },
  });
  // A sender killed mid-session (the crash tests SIGKILL the worker) resets its socket; smtp-server
  // re-emits that on the server, and with no listener it would crash the test process.
  server.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'ECONNRESET' && error.code !== 'EPIPE') console.error('test SMTP server:', error);
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    messages,
    async waitFor(count, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (messages.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} email(s), got ${messages.length}`);
        await new Promise((r) => setTimeout(r, 25));
      }
      return messages;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export function recipientsOf(mail: ParsedMail): string[] {
  const to = Array.isArray(mail.to) ? mail.to : mail.to ? [mail.to] : [];
  return to.flatMap((a) => a.value.map((v) => v.address ?? ''));
}

/** The service's own mailer (nodemailer), sending to this inbox. */
export function mailerFor(inbox: Pick<Inbox, 'port'>, from = 'Đồng Hành <no-reply@donghanh.local>'): Mailer {
  return createMailer({ embedded: true, host: '127.0.0.1', port: inbox.port, secure: false, user: undefined, password: undefined, maxConnections: 5, from, catcherWebPort: 0 });
}
