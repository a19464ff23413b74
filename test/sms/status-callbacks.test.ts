/** Signed status callbacks, checked with twilio's own validateRequest as the app's webhook would. */
import twilio from 'twilio';
import { ESCALATION_TEXT, SENDER, STAFF_PHONE, startCallbackReceiver, startTestGateway } from './helpers';

describe('status callbacks', () => {
  let env: Awaited<ReturnType<typeof startTestGateway>>;
  let receiver: Awaited<ReturnType<typeof startCallbackReceiver>>;

  beforeAll(async () => {
    env = await startTestGateway({ callbackRetries: 2 });
    receiver = await startCallbackReceiver();
  });
  afterEach(() => env.gateway.faults.reset());
  afterAll(async () => {
    await env.gateway.close();
    await receiver.close();
  });

  /** Sends one SMS with a StatusCallback and waits until all its callbacks were posted. */
  async function sendAndSettle(to: string, statusCallback = `${receiver.base}/webhooks/sms-status?case=HN-0142`) {
    const { sid } = await env.client.messages.create({ to, from: SENDER, body: ESCALATION_TEXT, statusCallback });
    const settled = await env.gateway.whenSettled(sid);
    const callbacks = receiver.received.filter((c) => c.params.MessageSid === sid);
    return { sid, settled, callbacks, statusCallback };
  }

  it('posts queued, sent, delivered in order, each signed so validateRequest accepts it', async () => {
    const { sid, settled, callbacks, statusCallback } = await sendAndSettle(STAFF_PHONE);

    expect(callbacks.map((c) => c.params.MessageStatus)).toEqual(['queued', 'sent', 'delivered']);
    for (const callback of callbacks) {
      expect(callback.url).toBe(statusCallback);
      expect(callback.headers['content-type']).toBe('application/x-www-form-urlencoded');
      expect(callback.params).toMatchObject({ MessageSid: sid, AccountSid: env.accountSid, To: STAFF_PHONE, From: SENDER });
      expect(callback.params).not.toHaveProperty('ErrorCode');
      expect(twilio.validateRequest(env.authToken, callback.signature ?? '', statusCallback, callback.params)).toBe(true);
    }
    expect(settled.status).toBe('delivered');
    expect(settled.callbacks.map((d) => [d.status, d.responseStatus, d.attempts])).toEqual([
      ['queued', 204, 1],
      ['sent', 204, 1],
      ['delivered', 204, 1],
    ]);
  });

  it('signatures fail validation when a parameter, the URL or the token differs', async () => {
    const { callbacks, statusCallback } = await sendAndSettle(STAFF_PHONE);
    const { signature = '', params } = callbacks.at(-1)!;

    expect(twilio.validateRequest(env.authToken, signature, statusCallback, { ...params, MessageStatus: 'failed' })).toBe(false);
    expect(twilio.validateRequest(env.authToken, signature, statusCallback, { ...params, To: '+84900000666' })).toBe(false);
    expect(twilio.validateRequest(env.authToken, signature, `${statusCallback}&x=1`, params)).toBe(false);
    expect(twilio.validateRequest('another-token', signature, statusCallback, params)).toBe(false);
  });

  it('ends unreachable handsets as undelivered with ErrorCode 30003', async () => {
    env.gateway.faults.markUnreachable('+84900000303');
    const { sid, settled, callbacks } = await sendAndSettle('+84900000303');

    expect(callbacks.map((c) => [c.params.MessageStatus, c.params.ErrorCode])).toEqual([
      ['queued', undefined],
      ['sent', undefined],
      ['undelivered', '30003'],
    ]);
    expect(settled).toMatchObject({ status: 'undelivered', errorCode: 30003 });
    expect(await env.client.messages(sid).fetch()).toMatchObject({ status: 'undelivered', errorCode: 30003 });
  });

  it('ends unknown destinations as failed with ErrorCode 30005, never sent', async () => {
    env.gateway.faults.markFailed('+84900000305');
    const { callbacks, settled } = await sendAndSettle('+84900000305');

    expect(callbacks.map((c) => [c.params.MessageStatus, c.params.ErrorCode])).toEqual([
      ['queued', undefined],
      ['failed', '30005'],
    ]);
    expect(settled.dateSent).toBeNull();
  });

  it('retries a callback after a network error', async () => {
    const flaky = await startCallbackReceiver({ dropFirst: 1 });
    try {
      const { sid } = await env.client.messages.create({
        to: STAFF_PHONE,
        from: SENDER,
        body: 'HN-0142',
        statusCallback: `${flaky.base}/status`,
      });
      const settled = await env.gateway.whenSettled(sid);

      expect(flaky.dropped()).toBe(1);
      expect(flaky.received.map((c) => c.params.MessageStatus)).toEqual(['queued', 'sent', 'delivered']);
      expect(settled.callbacks[0]).toMatchObject({ status: 'queued', attempts: 2, responseStatus: 204 });
    } finally {
      await flaky.close();
    }
  });

  it('gives up after the configured retries when the receiver is down, and still settles', async () => {
    const gone = await startCallbackReceiver();
    await gone.close();

    const { sid } = await env.client.messages.create({ to: STAFF_PHONE, from: SENDER, body: 'HN-0142', statusCallback: `${gone.base}/status` });
    const settled = await env.gateway.whenSettled(sid);

    expect(settled.status).toBe('delivered');
    expect(settled.callbacks).toHaveLength(3);
    for (const delivery of settled.callbacks) {
      expect(delivery.attempts).toBe(3);
      expect(delivery.responseStatus).toBeUndefined();
      expect(delivery.error).toMatch(/ECONNREFUSED/);
    }
  });

  it('announces each callback and the settlement as events', async () => {
    const seen: string[] = [];
    const onCallback = (_m: unknown, d: { status: string }) => seen.push(`callback:${d.status}`);
    const onSettled = (m: { status: string }) => seen.push(`settled:${m.status}`);
    env.gateway.events.on('callback', onCallback).on('settled', onSettled);
    try {
      await sendAndSettle(STAFF_PHONE);
    } finally {
      env.gateway.events.off('callback', onCallback).off('settled', onSettled);
    }
    expect(seen).toEqual(['callback:queued', 'callback:sent', 'callback:delivered', 'settled:delivered']);
  });
});
