/**
 * A local stand-in for Twilio's Messages API, so the real `twilio` client can be exercised with
 * no network: in tests, and for a person running the service on their own machine.
 */
import type { AddressInfo } from 'node:net';
import formbody from '@fastify/formbody';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import { twilioApi } from './api';
import { Carrier } from './carrier';
import { faultControl } from './control';
import { SmsGatewayEmitter } from './events';
import { Faults } from './faults';
import { inbox } from './inbox';
import { InboundLog, inboundControl, type InboundExchange } from './replies';
import { API_VERSION, type SmsMessage } from './message';
import { MessageStore } from './store';

export interface SmsGatewayOptions {
  /** The account the gateway impersonates: AC + 32 hex, as in Twilio's OpenAPI description. */
  accountSid: string;
  authToken: string;
  /** Default 127.0.0.1: the gateway holds message bodies and must not face a network. */
  host?: string;
  /** Default 0: a free port, reported in `url`. */
  port?: number;
  /** Messages kept in memory, oldest dropped first. Default 1,000. */
  capacity?: number;
  /** Numbers that replied STOP: sending to them is refused with 21610. */
  unsubscribed?: readonly string[];
  /** Pause before each status step (queued, sent, final). Default 200 ms. */
  stepDelayMs?: number;
  /** Extra attempts for a status callback after a network error. Default 3. */
  callbackRetries?: number;
  callbackTimeoutMs?: number;
  /** Where `POST /_control/inbound` posts a simulated reply, signed (the app's /webhooks/sms-inbound). */
  inboundWebhookUrl?: string;
  /** The service's own number or sender ID: the To of simulated replies. Default DongHanh. */
  serviceNumber?: string;
  /** Request logging (method, URL, status; never form bodies). Default: silent. */
  logger?: FastifyBaseLogger;
}

export interface SmsGateway {
  /** Base URL for `createTwilioClient({ baseUrl })`, e.g. http://127.0.0.1:3025. */
  readonly url: string;
  readonly accountSid: string;
  readonly faults: Faults;
  readonly events: SmsGatewayEmitter;
  /** Newest first. */
  messages(): SmsMessage[];
  message(sid: string): SmsMessage | undefined;
  /** Simulated replies and what the app answered, newest first. */
  inbound(): InboundExchange[];
  /** Resolves once the message reached its final status and all its status callbacks were posted. */
  whenSettled(sid: string): Promise<SmsMessage>;
  close(): Promise<void>;
}

const ACCOUNT_SID = /^AC[0-9a-fA-F]{32}$/;

export async function startSmsGateway(options: SmsGatewayOptions): Promise<SmsGateway> {
  const { accountSid, authToken, host = '127.0.0.1', port = 0 } = options;
  if (!ACCOUNT_SID.test(accountSid)) throw new Error('accountSid must be AC followed by 32 hex digits');
  if (!authToken) throw new Error('authToken is required');

  const store = new MessageStore(options.capacity ?? 1000);
  const faults = new Faults(options.unsubscribed);
  const events = new SmsGatewayEmitter();
  const carrier = new Carrier({
    authToken,
    faults,
    events,
    stepDelayMs: options.stepDelayMs ?? 200,
    callbackRetries: options.callbackRetries ?? 3,
    callbackTimeoutMs: options.callbackTimeoutMs ?? 5000,
  });

  const app = Fastify(options.logger ? { loggerInstance: options.logger } : {});
  await app.register(formbody);
  await app.register((scope) => twilioApi(scope, { accountSid, authToken, store, faults, carrier, events }), {
    prefix: `/${API_VERSION}`,
  });
  await app.register((scope) => faultControl(scope, faults), { prefix: '/_control' });
  const inboundLog = new InboundLog(options.capacity ?? 1000);
  const inboundOptions = { webhookUrl: options.inboundWebhookUrl, serviceNumber: options.serviceNumber ?? 'DongHanh', accountSid, authToken, timeoutMs: options.callbackTimeoutMs ?? 5000 };
  await app.register((scope) => inboundControl(scope, inboundLog, inboundOptions), { prefix: '/_control' });
  await app.register((scope) => inbox(scope, store, inboundLog, inboundOptions.webhookUrl !== undefined));
  await app.listen({ host, port });

  const { port: boundPort } = app.server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${boundPort}`,
    accountSid,
    faults,
    events,
    messages: () => store.list(),
    message: (sid) => store.get(sid),
    inbound: () => inboundLog.list(),
    whenSettled: (sid) => {
      const message = store.get(sid);
      return message ? carrier.whenSettled(message) : Promise.reject(new Error(`no message ${sid}`));
    },
    close: async () => {
      await carrier.stop();
      await app.close();
    },
  };
}
