/**
 * The simulated carrier: walks each accepted message through Twilio's statuses with a small
 * delay (queued → sent → delivered, or → undelivered / failed) and posts a signed status
 * callback for each step, one after another so the receiver sees them in order.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { postStatusCallback } from './callbacks';
import type { SmsGatewayEmitter } from './events';
import type { Faults } from './faults';
import { API_VERSION, type MessageStatus, type SmsMessage, type StatusCallbackDelivery } from './message';

export interface CarrierOptions {
  authToken: string;
  faults: Faults;
  events: SmsGatewayEmitter;
  stepDelayMs: number;
  callbackRetries: number;
  callbackTimeoutMs: number;
}

interface Step {
  status: MessageStatus;
  errorCode: number | null;
}

export class Carrier {
  private readonly inFlight = new Map<string, Promise<SmsMessage>>();
  private readonly stopping = new AbortController();

  constructor(private readonly opts: CarrierOptions) {}

  dispatch(message: SmsMessage): void {
    const journey = this.run(message).finally(() => {
      this.inFlight.delete(message.sid);
      this.opts.events.emit('settled', message);
    });
    this.inFlight.set(message.sid, journey);
  }

  /** Resolves with the message once its final status is reached and every callback was posted. */
  whenSettled(message: SmsMessage): Promise<SmsMessage> {
    return this.inFlight.get(message.sid) ?? Promise.resolve(message);
  }

  /** Abandons pending steps (their whenSettled resolves with the status reached so far). */
  async stop(): Promise<void> {
    this.stopping.abort();
    await Promise.allSettled(this.inFlight.values());
  }

  private async run(message: SmsMessage): Promise<SmsMessage> {
    // Decided at acceptance, as a real carrier's verdict does not change with later test setup.
    const outcome = this.opts.faults.outcomeFor(message.to);
    const steps: Step[] = [{ status: 'queued', errorCode: null }];
    if (outcome.status !== 'failed') steps.push({ status: 'sent', errorCode: null });
    steps.push({ status: outcome.status, errorCode: 'errorCode' in outcome ? outcome.errorCode : null });

    try {
      for (const step of steps) {
        await sleep(this.opts.stepDelayMs, undefined, { signal: this.stopping.signal });
        this.advance(message, step);
        if (message.statusCallback) await this.notify(message, message.statusCallback, step);
      }
    } catch {
      // Only stop() lands here: postStatusCallback turns network errors into a result.
    }
    return message;
  }

  private advance(message: SmsMessage, step: Step): void {
    if (message.status === step.status) return;
    const now = new Date();
    message.status = step.status;
    message.errorCode = step.errorCode;
    message.dateUpdated = now;
    if (step.status === 'sent') message.dateSent = now;
    this.opts.events.emit('status', message);
  }

  private async notify(message: SmsMessage, url: string, step: Step): Promise<void> {
    const params: Record<string, string> = {
      AccountSid: message.accountSid,
      ApiVersion: API_VERSION,
      MessageSid: message.sid,
      MessageStatus: step.status,
      SmsSid: message.sid,
      SmsStatus: step.status,
      To: message.to,
      ...(message.from !== null && { From: message.from }),
      ...(message.messagingServiceSid !== null && { MessagingServiceSid: message.messagingServiceSid }),
      ...(step.errorCode !== null && { ErrorCode: String(step.errorCode) }),
    };
    const result = await postStatusCallback(url, params, {
      authToken: this.opts.authToken,
      timeoutMs: this.opts.callbackTimeoutMs,
      retries: this.opts.callbackRetries,
      retryDelayMs: Math.max(this.opts.stepDelayMs, 10),
      signal: this.stopping.signal,
    });
    const delivery: StatusCallbackDelivery = { status: step.status, errorCode: step.errorCode, ...result };
    message.callbacks.push(delivery);
    this.opts.events.emit('callback', message, delivery);
  }
}
