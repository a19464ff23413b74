/** The real twilio client against the local gateway: resources, errors, fault injection. */
import twilio from 'twilio';
import type { RestException } from 'twilio';
import { createTwilioClient } from '../../src/transports/twilio';
import { ESCALATION_TEXT, SENDER, STAFF_PHONE, startTestGateway } from './helpers';

describe('SMS gateway with the real twilio client', () => {
  let env: Awaited<ReturnType<typeof startTestGateway>>;

  beforeAll(async () => {
    env = await startTestGateway({ unsubscribed: ['+84900000404'] });
  });
  afterEach(() => env.gateway.faults.reset());
  afterAll(() => env.gateway.close());

  const send = (overrides: Record<string, string> = {}) =>
    env.client.messages.create({ to: STAFF_PHONE, from: SENDER, body: ESCALATION_TEXT, ...overrides });

  /** The client's RestException for a failed send (fails the test if the send succeeded). */
  const sendError = async (overrides: Record<string, string> = {}) => {
    const error = await send(overrides).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(twilio.RestException);
    return error as RestException;
  };

  it('accepts a message and answers with Twilio’s message resource', async () => {
    const message = await send();

    expect(message.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(message).toMatchObject({
      accountSid: env.accountSid,
      to: STAFF_PHONE,
      from: SENDER,
      body: ESCALATION_TEXT,
      status: 'queued',
      direction: 'outbound-api',
      numSegments: '1', // tone marks force UCS-2; these 70 characters just fit one SMS
      apiVersion: '2010-04-01',
      price: null,
      errorCode: null,
      uri: `/2010-04-01/Accounts/${env.accountSid}/Messages/${message.sid}.json`,
    });
    // The client parses date_created as RFC 2822 ("+0000"); a malformed date would be Invalid Date.
    expect(Math.abs(message.dateCreated.getTime() - Date.now())).toBeLessThan(60_000);
  });

  it('lets the client fetch the message once the carrier delivered it', async () => {
    const { sid } = await send();
    await env.gateway.whenSettled(sid);

    const fetched = await env.client.messages(sid).fetch();

    expect(fetched).toMatchObject({ sid, status: 'delivered', errorCode: null });
    expect(fetched.dateSent).toBeInstanceOf(Date);
  });

  it('accepts a messaging service instead of a From number', async () => {
    const messagingServiceSid = `MG${'a'.repeat(32)}`;
    const message = await env.client.messages.create({ to: STAFF_PHONE, messagingServiceSid, body: 'HN-0142: nhắc việc' });
    expect(message).toMatchObject({ messagingServiceSid, from: null, status: 'queued' });
  });

  it('answers an unknown message SID with 404 / 20404', async () => {
    const error = await env.client.messages(`SM${'0'.repeat(32)}`).fetch().catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 404, code: 20404 });
  });

  it('rejects wrong credentials with 401 / 20003', async () => {
    const intruder = createTwilioClient({ accountSid: env.accountSid, authToken: 'not-the-token', baseUrl: env.gateway.url });
    const error = await intruder.messages
      .create({ to: STAFF_PHONE, from: SENDER, body: 'x' })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(twilio.RestException);
    expect(error).toMatchObject({ status: 401, code: 20003, moreInfo: 'https://www.twilio.com/docs/errors/20003' });
    expect(env.gateway.messages().some((m) => m.body === 'x')).toBe(false);
  });

  it.each([
    ['a To number that is not E.164', { to: '0900000101' }, 400, 21211],
    ['a recipient who replied STOP', { to: '+84900000404' }, 400, 21610],
    ['an empty Body', { body: '' }, 400, 21602],
    ['a StatusCallback that is not an http(s) URL', { statusCallback: 'ftp://example.test/cb' }, 400, 21609],
  ])('refuses %s', async (_case, overrides, status, code) => {
    const error = await sendError(overrides);
    expect(error).toMatchObject({ status, code });
  });

  it('refuses unsubscribed numbers added at run time', async () => {
    env.gateway.faults.unsubscribe('+84900000777');
    expect((await sendError({ to: '+84900000777' })).code).toBe(21610);
  });

  it('answers a form without To with 400 (the client itself insists on To, so post raw)', async () => {
    const response = await fetch(`${env.gateway.url}/2010-04-01/Accounts/${env.accountSid}/Messages.json`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${env.accountSid}:${env.authToken}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ From: SENDER, Body: 'HN-0142' }).toString(),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      code: 21604,
      message: "A 'To' phone number is required.",
      more_info: 'https://www.twilio.com/docs/errors/21604',
      status: 400,
    });
  });

  it('fails the next N requests with 429 and a Retry-After the caller can read', async () => {
    env.gateway.faults.failNext(2, 429, 7);

    for (let i = 0; i < 2; i++) {
      const error = await sendError();
      expect(error).toMatchObject({ status: 429, code: 20429 });
      // RestException drops headers; the client's last response keeps them.
      expect(env.client.httpClient.lastResponse?.headers['retry-after']).toBe('7');
    }
    await expect(send()).resolves.toMatchObject({ status: 'queued' });
  });

  it.each([500, 503] as const)('fails the next request with %i', async (status) => {
    env.gateway.faults.failNext(1, status);
    expect(await sendError()).toMatchObject({ status, code: 20000 + status });
    await expect(send()).resolves.toMatchObject({ status: 'queued' });
  });
});
