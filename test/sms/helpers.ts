/** Shared setup for the SMS tests: a gateway with fresh credentials, the real client, a callback receiver. */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startSmsGateway, type SmsGateway, type SmsGatewayOptions } from '../../src/local/sms-gateway';
import { createTwilioClient } from '../../src/transports/twilio';

/** Fake Vietnamese mobile numbers; texts name a case code and a task, never a person. */
export const STAFF_PHONE = '+84900000101';
export const SENDER = '+84900000999';
export const ESCALATION_TEXT = 'Hồ sơ HN-0142: bước "Xác minh ban đầu" quá hạn 3 ngày. Vui lòng xử lý.';

export async function startTestGateway(options: Partial<SmsGatewayOptions> = {}) {
  const accountSid = `AC${randomBytes(16).toString('hex')}`;
  const authToken = randomBytes(16).toString('hex');
  const gateway: SmsGateway = await startSmsGateway({ accountSid, authToken, stepDelayMs: 5, ...options });
  const client = createTwilioClient({ accountSid, authToken, baseUrl: gateway.url });
  return { gateway, client, accountSid, authToken };
}

export interface ReceivedCallback {
  /** The URL as the gateway was told it (the receiver sits at that exact address). */
  url: string;
  signature: string | undefined;
  headers: IncomingHttpHeaders;
  params: Record<string, string>;
}

export interface CallbackReceiverOptions {
  /** Cut the connection of the first N requests without answering: a network error for the sender. */
  dropFirst?: number;
}

/** A plain HTTP server that records status callbacks as the app's webhook endpoint would see them. */
export async function startCallbackReceiver({ dropFirst = 0 }: CallbackReceiverOptions = {}) {
  const received: ReceivedCallback[] = [];
  let dropped = 0;
  const server = createServer((req, res) => {
    if (dropped < dropFirst) {
      dropped += 1;
      req.socket.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const params = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
      const signature = req.headers['x-twilio-signature'];
      received.push({
        url: `${base}${req.url ?? ''}`,
        signature: Array.isArray(signature) ? signature[0] : signature,
        headers: req.headers,
        params,
      });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    received,
    dropped: () => dropped,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
