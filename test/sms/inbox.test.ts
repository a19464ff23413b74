/** What a person sees (GET /, GET /messages) and the HTTP fault controls. */
import { SENDER, STAFF_PHONE, startTestGateway } from './helpers';

describe('SMS gateway inbox and controls', () => {
  let env: Awaited<ReturnType<typeof startTestGateway>>;

  beforeEach(async () => {
    env = await startTestGateway({ capacity: 3 });
  });
  afterEach(() => env.gateway.close());

  const send = (body: string, to = STAFF_PHONE) => env.client.messages.create({ to, from: SENDER, body });

  it('lists messages newest first, keeping only the last `capacity`', async () => {
    for (const n of [1, 2, 3, 4]) await send(`HN-014${n}: nhắc việc`);

    const response = await fetch(`${env.gateway.url}/messages`);
    const { messages } = (await response.json()) as { messages: { body: string; sid: string; status: string }[] };

    expect(messages.map((m) => m.body)).toEqual(['HN-0144: nhắc việc', 'HN-0143: nhắc việc', 'HN-0142: nhắc việc']);
    expect(messages.map((m) => m.sid)).toEqual(env.gateway.messages().map((m) => m.sid));
  });

  it('shows messages on an HTML page with their text escaped', async () => {
    await send('<script>alert("x")</script> & HN-0142');

    const response = await fetch(`${env.gateway.url}/`);
    const html = await response.text();

    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; HN-0142');
    expect(html).not.toContain('<script>');
    expect(html).toContain(STAFF_PHONE);
    expect(html).toMatch(/<td>(queued|sent|delivered)<\/td>/);
  });

  it('injects and clears faults over HTTP', async () => {
    const post = await fetch(`${env.gateway.url}/_control/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ failNext: { count: 1, status: 503 }, unreachable: ['+84900000303'], unsubscribed: ['+84900000404'] }),
    });
    expect(post.status).toBe(200);
    expect(await post.json()).toMatchObject({
      pendingApiFaults: [{ status: 503, remaining: 1 }],
      unreachable: ['+84900000303'],
      unsubscribed: ['+84900000404'],
    });

    await expect(send('HN-0142')).rejects.toMatchObject({ status: 503, code: 20503 });
    await expect(send('HN-0142', '+84900000404')).rejects.toMatchObject({ code: 21610 });
    const { sid } = await send('HN-0142', '+84900000303');
    expect(await env.gateway.whenSettled(sid)).toMatchObject({ status: 'undelivered', errorCode: 30003 });

    const cleared = await fetch(`${env.gateway.url}/_control/faults`, { method: 'DELETE' });
    expect(await cleared.json()).toEqual({ pendingApiFaults: [], unreachable: [], failed: [], unsubscribed: [] });
    await expect(send('HN-0142', '+84900000404')).resolves.toMatchObject({ status: 'queued' });
  });

  it('rejects a malformed fault request', async () => {
    const response = await fetch(`${env.gateway.url}/_control/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ failNext: { count: 1, status: 404 } }),
    });
    expect(response.status).toBe(400);
  });
});
