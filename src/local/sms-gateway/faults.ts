/** Fault injection: what a test can make the gateway (or the simulated carrier) do wrong. */
import { apiErrors, type TwilioApiError } from './errors';

export type ApiFaultStatus = 429 | 500 | 503;

/** How the carrier ends a message's journey: delivered, or one of Twilio's two failure statuses. */
export type CarrierOutcome =
  | { status: 'delivered' }
  | { status: 'undelivered'; errorCode: 30003 }
  | { status: 'failed'; errorCode: 30005 };

export interface FaultSnapshot {
  pendingApiFaults: { status: ApiFaultStatus; remaining: number; retryAfterSeconds: number }[];
  unreachable: string[];
  failed: string[];
  unsubscribed: string[];
}

export class Faults {
  private apiFaults: FaultSnapshot['pendingApiFaults'] = [];
  private readonly unreachable = new Set<string>();
  private readonly failed = new Set<string>();
  private readonly unsubscribed: Set<string>;

  /** `unsubscribed` is the configured STOP list; reset() returns to it. */
  constructor(private readonly configuredUnsubscribed: readonly string[] = []) {
    this.unsubscribed = new Set(configuredUnsubscribed);
  }

  /** The next `count` API requests fail with `status` (429s carry Retry-After). */
  failNext(count: number, status: ApiFaultStatus, retryAfterSeconds = 1): void {
    if (!Number.isInteger(count) || count < 1) throw new RangeError('count must be a positive integer');
    this.apiFaults.push({ status, remaining: count, retryAfterSeconds });
  }

  /** Messages to these numbers end `undelivered` with ErrorCode 30003 (unreachable handset). */
  markUnreachable(...numbers: string[]): void {
    for (const n of numbers) this.unreachable.add(n);
  }

  /** Messages to these numbers end `failed` with ErrorCode 30005 (unknown destination). */
  markFailed(...numbers: string[]): void {
    for (const n of numbers) this.failed.add(n);
  }

  /** Sending to these numbers is refused at once with 21610, as after the recipient replied STOP. */
  unsubscribe(...numbers: string[]): void {
    for (const n of numbers) this.unsubscribed.add(n);
  }

  reset(): void {
    this.apiFaults = [];
    this.unreachable.clear();
    this.failed.clear();
    this.unsubscribed.clear();
    for (const n of this.configuredUnsubscribed) this.unsubscribed.add(n);
  }

  /** Consumes one pending API fault, if any. */
  takeApiFault(): TwilioApiError | undefined {
    const next = this.apiFaults[0];
    if (!next) return undefined;
    next.remaining -= 1;
    if (next.remaining === 0) this.apiFaults.shift();
    if (next.status === 429) return apiErrors.tooManyRequests(next.retryAfterSeconds);
    return next.status === 500 ? apiErrors.internal() : apiErrors.unavailable();
  }

  isUnsubscribed(to: string): boolean {
    return this.unsubscribed.has(to);
  }

  outcomeFor(to: string): CarrierOutcome {
    if (this.failed.has(to)) return { status: 'failed', errorCode: 30005 };
    if (this.unreachable.has(to)) return { status: 'undelivered', errorCode: 30003 };
    return { status: 'delivered' };
  }

  snapshot(): FaultSnapshot {
    return {
      pendingApiFaults: this.apiFaults.map((f) => ({ ...f })),
      unreachable: [...this.unreachable],
      failed: [...this.failed],
      unsubscribed: [...this.unsubscribed],
    };
  }
}
