/**
 * The local SMS gateway as its own process: `node dist/src/sms-gateway/main.js`.
 * Point the app's Twilio client at the printed URL with the same account SID and auth token.
 */
import { z } from 'zod';
import { createLogger } from '../../logger';
import { startSmsGateway } from './server';

// Fixed, obviously fake local credentials, so a developer's app and gateway agree without setup.
const Env = z.object({
  SMS_GATEWAY_HOST: z.string().min(1).default('127.0.0.1'),
  SMS_GATEWAY_PORT: z.coerce.number().int().min(1).max(65535).default(3025),
  SMS_GATEWAY_ACCOUNT_SID: z.string().regex(/^AC[0-9a-fA-F]{32}$/).default(`AC${'0'.repeat(32)}`),
  SMS_GATEWAY_AUTH_TOKEN: z.string().min(1).default('local-sms-gateway-token'),
  /** Comma-separated E.164 numbers that "replied STOP". */
  SMS_GATEWAY_UNSUBSCRIBED: z.string().default(''),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

async function main(): Promise<void> {
  const set = Object.fromEntries(Object.entries(process.env).filter(([, v]) => v !== undefined && v !== ''));
  const env = Env.parse(set);
  const gateway = await startSmsGateway({
    host: env.SMS_GATEWAY_HOST,
    port: env.SMS_GATEWAY_PORT,
    accountSid: env.SMS_GATEWAY_ACCOUNT_SID,
    authToken: env.SMS_GATEWAY_AUTH_TOKEN,
    unsubscribed: env.SMS_GATEWAY_UNSUBSCRIBED.split(',').map((n) => n.trim()).filter(Boolean),
    logger: createLogger(env.LOG_LEVEL, 'sms-gateway'),
  });
  console.log(`SMS gateway on ${gateway.url} (account ${gateway.accountSid}); messages at ${gateway.url}/`);

  const shutdown = () => void gateway.close().then(() => process.exit(0));
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
