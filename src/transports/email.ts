/** Email through nodemailer: a thin adapter with a pooled SMTP connection. */
import nodemailer from 'nodemailer';
import type { Config } from '../config';

export interface OutgoingEmail {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** A fixed Message-ID (`<…@…>`): a resend after a crash is then recognisably the same message. */
  messageId?: string;
  /** Files sent with the message (the programme report's CSV). */
  attachments?: { filename: string; content: string; contentType: string }[];
}

export interface Mailer {
  send(email: OutgoingEmail): Promise<{ messageId: string }>;
  close(): void;
}

export interface SmtpTlsOptions {
  /** Refuse to send unless the server offers STARTTLS. */
  requireTLS: boolean;
  /** Check the relay's certificate (turn off only for a relay with a private CA you cannot install). */
  rejectUnauthorized: boolean;
}

export function createMailer(mail: Config['mail'], tls: SmtpTlsOptions = { requireTLS: false, rejectUnauthorized: true }): Mailer {
  const transport = nodemailer.createTransport({
    host: mail.host,
    port: mail.port,
    secure: mail.secure,
    pool: true,
    maxConnections: mail.maxConnections,
    auth: mail.user ? { user: mail.user, pass: mail.password } : undefined,
    // The local mail catcher speaks plain SMTP; a real relay may offer STARTTLS.
    ignoreTLS: mail.embedded,
    requireTLS: !mail.embedded && tls.requireTLS,
    tls: { rejectUnauthorized: tls.rejectUnauthorized },
  });
  return {
    async send(email) {
      const info = await transport.sendMail({ from: mail.from, ...email });
      return { messageId: info.messageId };
    },
    close: () => transport.close(),
  };
}

/** The domain of the sender address, for Message-IDs: "Đồng Hành <no-reply@donghanh.local>" → donghanh.local. */
export function senderDomain(from: string): string {
  return /@([^>\s]+)>?\s*$/.exec(from)?.[1] ?? 'localhost';
}

export type EmailFailure =
  /** The relay refused this recipient or message for good (5xx): fall back to another channel. */
  | { kind: 'rejected'; responseCode: number; message: string }
  /** Worth retrying later: 4xx, connection trouble, timeouts. */
  | { kind: 'transient'; responseCode?: number; message: string };

/**
 * How a nodemailer error should be handled. SMTP replies carry `responseCode`; envelope errors
 * (EENVELOPE) name a refused recipient; anything at the connection level is transient.
 */
export function classifyEmailError(error: unknown): EmailFailure {
  const e = error as { responseCode?: number; code?: string; message?: string };
  const message = `${e.code ?? 'SMTP'} ${e.responseCode ?? ''} ${e.message ?? String(error)}`.replace(/\s+/g, ' ').trim();
  if (typeof e.responseCode === 'number' && e.responseCode >= 500 && e.code !== 'EAUTH') {
    return { kind: 'rejected', responseCode: e.responseCode, message };
  }
  return { kind: 'transient', responseCode: e.responseCode, message };
}
