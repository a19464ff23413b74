/** What the gateway announces, so tests can watch it without polling. */
import { EventEmitter } from 'node:events';
import type { SmsMessage, StatusCallbackDelivery } from './message';

/** A Twilio API request as it reached the gateway (for contract tests against Twilio's OpenAPI). */
export interface CapturedRequest {
  method: string;
  path: string;
  contentType: string | undefined;
  params: Record<string, unknown>;
  /** Query string parameters (list filters and paging). */
  query: Record<string, unknown>;
}

export interface SmsGatewayEvents {
  request: [CapturedRequest];
  /** Accepted for delivery (201 sent). */
  message: [SmsMessage];
  status: [SmsMessage];
  callback: [SmsMessage, StatusCallbackDelivery];
  /** Final status reached and every status callback posted (or given up). */
  settled: [SmsMessage];
}

export class SmsGatewayEmitter extends EventEmitter<SmsGatewayEvents> {}
