/** The last N messages in memory only: nothing an SMS carried outlives the gateway process. */
import type { SmsMessage } from './message';

export class MessageStore {
  // A Map iterates in insertion order, so the first key is always the oldest message.
  private readonly bySid = new Map<string, SmsMessage>();

  constructor(private readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('capacity must be a positive integer');
  }

  add(message: SmsMessage): void {
    this.bySid.set(message.sid, message);
    while (this.bySid.size > this.capacity) {
      const oldest = this.bySid.keys().next().value as string;
      this.bySid.delete(oldest);
    }
  }

  get(sid: string): SmsMessage | undefined {
    return this.bySid.get(sid);
  }

  /** Newest first. */
  list(): SmsMessage[] {
    return [...this.bySid.values()].reverse();
  }
}
