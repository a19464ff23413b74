/**
 * Routes as data: each is one spec (method, path, permission, zod schemas for path, query, body
 * and responses) plus a handler that receives the parsed input. The same specs register the
 * Fastify routes, drive the authorisation hook and generate the OpenAPI document, so the zod
 * schemas are the single contract.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Permission } from '../auth/matrix';
import type { Principal } from '../auth/principal';
import { invalid, Problem } from './problems';

/** `inbox`: the task inbox's own sign-in (a session cookie from a one-time code), checked by its routes. */
export type Access = Permission | 'public' | 'action-link' | 'inbox';

export interface ResponseSpec {
  description: string;
  schema?: z.ZodType;
  /** Default application/json. */
  contentType?: string;
  /** Other representations of the same answer, chosen by `Accept` (e.g. text/csv). */
  alternatives?: string[];
}

export interface HeaderSpec {
  name: string;
  description: string;
  schema: z.ZodType;
}

export interface RouteSpec<P extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType, B extends z.ZodType = z.ZodType> {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Fastify syntax: `/cases/:code`. */
  url: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  access: Access;
  params?: P;
  query?: Q;
  body?: B;
  headers?: HeaderSpec[];
  responses: Record<number, ResponseSpec>;
  /** Not in the OpenAPI document (the docs page itself). */
  hidden?: boolean;
}

export interface Input<P, Q, B> {
  request: FastifyRequest;
  reply: FastifyReply;
  params: P;
  query: Q;
  body: B;
  /** Null only on public routes. */
  principal: Principal;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
    operationId?: string;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export class Routes {
  constructor(
    private readonly app: FastifyInstance,
    /** Shared by every view of the registry: all routes, for the OpenAPI document. */
    readonly specs: RouteSpec[] = [],
  ) {}

  /** The same registry, registering on another (encapsulated) Fastify instance. */
  on(app: FastifyInstance): Routes {
    return new Routes(app, this.specs);
  }

  add<P extends z.ZodType = z.ZodNever, Q extends z.ZodType = z.ZodNever, B extends z.ZodType = z.ZodNever>(
    spec: RouteSpec<P, Q, B>,
    handler: (input: Input<z.output<P>, z.output<Q>, z.output<B>>) => Promise<unknown>,
  ): void {
    this.specs.push(spec as unknown as RouteSpec);
    this.app.route({
      method: spec.method,
      url: spec.url,
      config: { access: spec.access, operationId: spec.operationId },
      handler: async (request, reply) => {
        const params = spec.params ? parse(spec.params, request.params ?? {}, 'path') : undefined;
        const query = spec.query ? parse(spec.query, request.query ?? {}, 'query') : undefined;
        let body: unknown;
        // No body at all reads as {}; an explicit JSON null is a body, and not an object.
        if (spec.body) body = parse(spec.body, request.body === undefined ? {} : request.body, 'body');
        else if (!isEmpty(request.body)) throw new Problem(400, 'invalid-request', 'This operation takes no request body', [{ path: '(body)', message: 'must be empty' }]);
        return handler({
          request,
          reply,
          params: params as z.output<P>,
          query: query as z.output<Q>,
          body: body as z.output<B>,
          principal: request.principal as Principal,
        });
      },
    });
  }
}

export function parse<T extends z.ZodType>(schema: T, value: unknown, where: string): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw invalid(result.error, where);
  return result.data;
}

function isEmpty(body: unknown): boolean {
  if (body === undefined || body === null || body === '') return true;
  return typeof body === 'object' && !Array.isArray(body) && Object.keys(body).length === 0;
}

/** Query strings hold text: these read "true"/"false", numbers and comma lists. */
export const q = {
  bool: z.enum(['true', 'false']).transform((v) => v === 'true'),
  int: (min: number, max: number) =>
    z
      .string()
      .regex(/^\d{1,9}$/, 'a whole number')
      .transform(Number)
      .pipe(z.number().int().min(min).max(max)),
};
