/** Email through nodemailer: a thin adapter with a pooled SMTP connection. */
import nodemailer from 'nodemailer';
import type { Config } from '../config';

export interface OutgoingEmail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

export interface Mailer {
  send(email: OutgoingEmail): Promise<{ messageId: string }>;
  close(): void;
}

export function createMailer(mail: Config['mail']): Mailer {
  const transport = nodemailer.createTransport({
    host: mail.host,
    port: mail.port,
    secure: mail.secure,
    pool: true,
    maxConnections: 2,
    auth: mail.user ? { user: mail.user, pass: mail.password } : undefined,
    // The local mail catcher speaks plain SMTP; a real relay may offer STARTTLS.
    ignoreTLS: mail.embedded,
  });
  return {
    async send(email) {
      const info = await transport.sendMail({ from: mail.from, ...email });
      return { messageId: info.messageId };
    },
    close: () => transport.close(),
  };
}
