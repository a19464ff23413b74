/**
 * The OpenAPI 3.1 document, generated from the route specs and their zod schemas with zod 4's
 * `z.toJSONSchema` (JSON Schema 2020-12, which OpenAPI 3.1 uses as is). Nothing is written by
 * hand, so the document cannot drift from what the API accepts and returns.
 */
import { z } from 'zod';
import { AUTHORISATION_MATRIX, type Permission } from '../auth/matrix';
import { ProblemBody } from './problems';
import type { RouteSpec } from './routing';

type Json = Record<string, unknown>;

const STANDARD_ERRORS: Record<number, string> = {
  400: 'Invalid input: problem+json naming each failing field in `errors`',
  401: 'No credential, or an unknown, expired or revoked one',
  403: 'Your role may not do this',
  404: 'Not found, or not in your scope (the two are indistinguishable)',
  413: 'Body larger than the limit',
  415: 'Body is not application/json',
  429: 'Rate limit of your key exceeded; see Retry-After',
  503: 'A dependency (workflow service, database) is unavailable; retry',
};

function schemaOf(schema: z.ZodType, io: 'input' | 'output'): Json {
  const json = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as Json;
  delete json.$schema;
  return json;
}

export function openApiDocument(specs: RouteSpec[], info: { version: string; serverUrl?: string }): Json {
  const paths: Record<string, Record<string, Json>> = {};
  for (const spec of specs) {
    if (spec.hidden) continue;
    const path = spec.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    (paths[path] ??= {})[spec.method.toLowerCase()] = operationOf(spec);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Đồng Hành API',
      version: info.version,
      description:
        'Coordinator and staff API of Đồng Hành: durable, escalating support journeys for trafficking victims. ' +
        'Authenticate with `Authorization: Bearer <API key or OIDC token>`. Errors are RFC 9457 problem+json, ' +
        'titled in Vietnamese unless `Accept-Language: en`. Personal data is returned only by the personal-data ' +
        'operations, to the roles that need it, and every such read is audited.',
    },
    ...(info.serverUrl ? { servers: [{ url: info.serverUrl }] } : {}),
    tags: [...new Set(specs.filter((s) => !s.hidden).map((s) => s.tag))].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'An API key (dh_…) or a JWT from the configured OpenID Connect provider' },
      },
      schemas: { Problem: schemaOf(ProblemBody, 'output') },
    },
  };
}

const isSecured = (spec: RouteSpec) => spec.access !== 'public' && !isPage(spec);
/** Pages for browsers: HTML answers, HTML form bodies. */
const isPage = (spec: RouteSpec) => spec.access === 'action-link' || spec.access === 'inbox';

function operationOf(spec: RouteSpec): Json {
  const parameters: Json[] = [
    ...parametersOf(spec.params, 'path'),
    ...parametersOf(spec.query, 'query'),
    ...(spec.headers ?? []).map((h) => ({ name: h.name, in: 'header', required: false, description: h.description, schema: schemaOf(h.schema, 'input') })),
  ];
  return {
    operationId: spec.operationId,
    summary: spec.summary,
    description: [spec.description, accessText(spec.access)].filter(Boolean).join('\n\n'),
    tags: [spec.tag],
    security: isSecured(spec) ? [{ bearer: [] }] : [],
    'x-permission': spec.access,
    ...(parameters.length ? { parameters } : {}),
    ...(spec.body ? { requestBody: requestBodyOf(spec, spec.body) } : {}),
    responses: responsesOf(spec),
  };
}

function requestBodyOf(spec: RouteSpec, body: z.ZodType): Json {
  return {
    required: true,
    content: {
      'application/json': { schema: schemaOf(body, 'input') },
      ...(isPage(spec) ? { 'application/x-www-form-urlencoded': { schema: schemaOf(body, 'input') } } : {}),
    },
  };
}

const problemContent = () => ({ 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } });

/** The errors every operation of its kind can answer, then the operation's own responses. */
function responsesOf(spec: RouteSpec): Record<string, Json> {
  const errors: number[] = [503];
  if (spec.params || spec.query || spec.body || spec.headers) errors.push(400);
  if (isSecured(spec)) errors.push(401, 403, 429);
  if (spec.params) errors.push(404);
  if (spec.body) errors.push(413, 415);
  const responses: Record<string, Json> = {};
  for (const status of errors.sort()) responses[status] = { description: STANDARD_ERRORS[status], content: problemContent() };
  for (const [status, r] of Object.entries(spec.responses)) {
    if (Number(status) >= 400 && !r.schema) {
      responses[status] = { description: r.description, content: problemContent() };
    } else if (r.contentType?.startsWith('text/')) {
      responses[status] = { description: r.description, content: { [r.contentType]: { schema: { type: 'string' } } } };
    } else {
      responses[status] = { description: r.description, ...(r.schema ? { content: { 'application/json': { schema: schemaOf(r.schema, 'output') } } } : {}) };
    }
    for (const type of r.alternatives ?? []) responses[status]!.content = { ...((responses[status]!.content as Json) ?? {}), [type]: { schema: { type: 'string' } } };
  }
  if (isPage(spec)) {
    // Link pages answer HTML to browsers and JSON to clients that ask for it (Accept: application/json); redirects have no body.
    for (const [status, r] of Object.entries(responses)) {
      if (Number(status) < 300 || Number(status) >= 400) r.content = { 'text/html': { schema: { type: 'string' } }, ...((r.content as Json) ?? {}) };
    }
  }
  return responses;
}

function parametersOf(schema: z.ZodType | undefined, where: 'path' | 'query'): Json[] {
  if (!schema) return [];
  const json = schemaOf(schema, 'input');
  const properties = (json.properties ?? {}) as Record<string, Json>;
  const required = new Set((json.required ?? []) as string[]);
  return Object.entries(properties).map(([name, s]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    ...(typeof s.description === 'string' ? { description: s.description } : {}),
    schema: s,
  }));
}

function accessText(access: RouteSpec['access']): string {
  if (access === 'public') return 'Access: public.';
  if (access === 'action-link') return 'Access: the signed link itself (no credential).';
  if (access === 'inbox') return 'Access: the task inbox’s session cookie `dh_inbox` (HttpOnly, SameSite=Strict), from a one-time code sent by email or SMS; every POST needs its page’s form token.';
  const cells = AUTHORISATION_MATRIX[access as Permission] as Record<string, string>;
  const roles = Object.entries(cells).map(([role, scope]) => `${role} (${scope})`);
  return `Permission \`${access}\`: ${roles.join(', ')}.`;
}
