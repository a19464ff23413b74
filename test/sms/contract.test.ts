/**
 * Contract: what the real twilio client sends through our transport, and what the gateway answers,
 * must match Twilio's own OpenAPI description, so the gateway cannot drift into a private dialect.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { CapturedRequest } from '../../src/local/sms-gateway';
import { SENDER, STAFF_PHONE, startCallbackReceiver, startTestGateway } from './helpers';

/** The Messages part of Twilio's OpenAPI description, carried in the repo (see test/fixtures/twilio). */
const SPEC_PATH = path.resolve(__dirname, '..', 'fixtures', 'twilio', 'messages-api-v2010.json');
const MESSAGES_PATH = '/2010-04-01/Accounts/{AccountSid}/Messages.json';
const FORM = 'application/x-www-form-urlencoded';

interface Schema {
  type?: string;
  enum?: string[];
  pattern?: string;
  nullable?: boolean;
  properties?: Record<string, Schema>;
  required?: string[];
  $ref?: string;
}
interface Operation {
  parameters?: { name: string; in: string; required?: boolean; schema: Schema }[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, { content?: Record<string, { schema: Schema }> }>;
}
interface Spec {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

const spec = JSON.parse(readFileSync(SPEC_PATH, 'utf8')) as Spec;
const resolve = (schema: Schema): Schema =>
  schema.$ref ? resolve(spec.components.schemas[schema.$ref.replace('#/components/schemas/', '')]!) : schema;

/** The spec's path template that a concrete path matches, with the path parameters it binds. */
function matchTemplate(concrete: string) {
  for (const template of Object.keys(spec.paths)) {
    const names: string[] = [];
    const pattern = template.replace(/[.]/g, '\\.').replace(/\{(\w+)\}/g, (_m, name: string) => (names.push(name), '([^/]+)'));
    const match = new RegExp(`^${pattern}$`).exec(concrete);
    if (match) return { template, values: Object.fromEntries(names.map((n, i) => [n, match[i + 1]!])) };
  }
  return undefined;
}

describe('contract with Twilio’s OpenAPI description (api v2010)', () => {
  let env: Awaited<ReturnType<typeof startTestGateway>>;
  let receiver: Awaited<ReturnType<typeof startCallbackReceiver>>;
  const captured: CapturedRequest[] = [];

  beforeAll(async () => {
    env = await startTestGateway();
    receiver = await startCallbackReceiver();
    env.gateway.events.on('request', (r) => captured.push(r));
  });
  afterAll(async () => {
    await env.gateway.close();
    await receiver.close();
  });

  it.each([
    ['a From number', { from: SENDER }],
    ['a messaging service', { messagingServiceSid: `MG${'b'.repeat(32)}` }],
  ])('the create-message request with %s is one Twilio declares', async (_case, sender) => {
    captured.length = 0;
    const message = await env.client.messages.create({
      to: STAFF_PHONE,
      body: 'HN-0142: bước "Xác minh ban đầu" quá hạn',
      statusCallback: `${receiver.base}/webhooks/sms-status`,
      ...sender,
    });

    expect(captured).toHaveLength(1);
    const request = captured[0]!;
    const matched = matchTemplate(request.path);
    expect(matched?.template).toBe(MESSAGES_PATH);

    const operation = spec.paths[MESSAGES_PATH]![request.method.toLowerCase()];
    expect(request.method).toBe('POST');
    expect(operation).toBeDefined();

    for (const parameter of operation!.parameters!.filter((p) => p.in === 'path')) {
      const value = matched!.values[parameter.name];
      if (parameter.required) expect(value).toBeDefined();
      expect(value).toMatch(new RegExp(parameter.schema.pattern!));
    }

    expect(request.contentType?.split(';')[0]).toBe(FORM);
    const form = operation!.requestBody!.content[FORM]!.schema;
    const declared = Object.keys(form.properties!);
    expect(declared).toEqual(expect.arrayContaining(Object.keys(request.params)));
    for (const name of form.required ?? []) expect(request.params).toHaveProperty(name);

    // And the answer has the shape the spec gives the 201 response.
    const response = await fetch(`${env.gateway.url}/2010-04-01/Accounts/${env.accountSid}/Messages/${message.sid}.json`, {
      headers: { authorization: `Basic ${Buffer.from(`${env.accountSid}:${env.authToken}`).toString('base64')}` },
    });
    const resource = (await response.json()) as Record<string, unknown>;
    const shape = resolve(operation!.responses['201']!.content!['application/json']!.schema);
    expect(Object.keys(shape.properties!)).toEqual(expect.arrayContaining(Object.keys(resource)));
    for (const [name, value] of Object.entries(resource)) {
      const property = resolve(shape.properties![name]!);
      if (value === null) expect(property.nullable ?? shape.properties![name]!.nullable).toBe(true);
      else if (property.enum) expect(property.enum).toContain(value);
      else if (property.type === 'integer') expect(Number.isInteger(value)).toBe(true);
      else if (property.type) expect(typeof value).toBe(property.type);
    }
  });
});
