/** The service itself: liveness, readiness (Temporal and the database reachable), the OpenAPI document and /docs. */
import { z } from 'zod';
import type { ApiContext } from '../context';
import { DOCS_CSP, DOCS_CSS, DOCS_HTML, DOCS_JS } from '../docs';
import { openApiDocument } from '../openapi';
import { Health, Readiness } from '../schemas';

const CHECK_TIMEOUT_MS = 3_000;

export function serviceRoutes(ctx: ApiContext, version: string) {
  health(ctx);
  readiness(ctx);
  openApi(ctx, version);
  docsPage(ctx, '/docs', 'text/html; charset=utf-8', DOCS_HTML);
  docsPage(ctx, '/docs/docs.js', 'text/javascript; charset=utf-8', DOCS_JS);
  docsPage(ctx, '/docs/docs.css', 'text/css; charset=utf-8', DOCS_CSS);
}

function health(ctx: ApiContext) {
  ctx.routes.add(
    { method: 'GET', url: '/healthz', operationId: 'health', tag: 'Service', summary: 'The process is up', access: 'public', responses: { 200: { description: 'Up', schema: Health } } },
    async () => ({ status: 'ok' as const }),
  );
}

function readiness(ctx: ApiContext) {
  ctx.routes.add(
    {
      method: 'GET',
      url: '/readyz',
      operationId: 'readiness',
      tag: 'Service',
      summary: 'Ready to serve: the workflow service and the database answer',
      access: 'public',
      responses: { 200: { description: 'Ready', schema: Readiness }, 503: { description: 'Not ready: which check failed', schema: Readiness } },
    },
    async ({ reply }) => {
      const [temporal, database] = await Promise.all([
        timed(() => ctx.temporal.connection.withDeadline(Date.now() + CHECK_TIMEOUT_MS, () => ctx.temporal.workflowService.getSystemInfo({}))),
        timed(() => ctx.db.prisma.$queryRawUnsafe('SELECT 1')),
      ]);
      const ready = temporal.ok && database.ok;
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not-ready', checks: { temporal, database } });
    },
  );
}

async function timed(check: () => Promise<unknown>): Promise<{ ok: boolean; ms: number; error?: string }> {
  const started = Date.now();
  try {
    await Promise.race([check(), new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer in ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS).unref())]);
    return { ok: true, ms: Date.now() - started };
  } catch (error) {
    // The message names the failure, never a connection string (it may carry a password).
    return { ok: false, ms: Date.now() - started, error: (error as Error).name === 'Error' ? (error as Error).message.split('\n')[0]!.slice(0, 200).replace(/\w+:\/\/\S+/g, '[url]') : (error as Error).name };
  }
}

const OpenApiShape = z.looseObject({ openapi: z.literal('3.1.0'), info: z.looseObject({ title: z.string(), version: z.string() }), paths: z.record(z.string(), z.unknown()) });

function openApi(ctx: ApiContext, version: string) {
  const { routes } = ctx;
  // Built on first request: by then every route has registered its spec.
  let document: object | undefined;
  routes.add(
    { method: 'GET', url: '/openapi.json', operationId: 'openapi', tag: 'Service', summary: 'This OpenAPI 3.1 document', access: 'public', responses: { 200: { description: 'OpenAPI document', schema: OpenApiShape } } },
    async ({ reply }) => {
      document ??= openApiDocument(routes.specs, { version });
      return reply.header('cache-control', 'no-cache').send(document);
    },
  );
}

function docsPage(ctx: ApiContext, url: string, type: string, body: string) {
  ctx.routes.add(
    { method: 'GET', url, operationId: `docs${url.replace(/\W/g, '_')}`, tag: 'Service', summary: 'Interactive documentation', access: 'public', hidden: true, responses: { 200: { description: 'Page' } } },
    async ({ reply }) => reply.type(type).header('content-security-policy', DOCS_CSP).header('cache-control', 'no-cache').send(body),
  );
}
