/**
 * Starts the codec server beside the API (SERVICE_ROLE api or all): same database (credentials,
 * audit log), same JWT settings, the service's payload codec.
 */
import type { PayloadCodec } from '@temporalio/common';
import { AuditLog } from '../audit/audit-log';
import { Authenticator } from '../auth/authenticate';
import { JwtVerifier } from '../auth/jwt';
import type { Security } from '../auth/security';
import type { Config } from '../config';
import type { Database } from '../db/client';
import type { Logger } from '../logger';
import { buildCodecServer } from './server';

export { buildCodecServer } from './server';

export async function startCodecServer(cfg: Config, deps: { codec: PayloadCodec; db: Database; security: Security; logger: Logger }): Promise<{ url: string; close(): Promise<void> }> {
  const { host, port, allowedOrigins, loopbackWithoutToken } = cfg.codec.server;
  const app = buildCodecServer({
    codec: deps.codec,
    authenticator: new Authenticator(deps.db.prisma, deps.security.jwt ? new JwtVerifier(deps.security.jwt) : null),
    audit: new AuditLog(deps.db.prisma),
    allowedOrigins,
    loopbackWithoutToken,
    defaultNamespace: cfg.temporal.namespace,
    rateLimitPerMinute: deps.security.rateLimitPerMinute,
    logger: deps.logger.child({ component: 'codec-server' }),
  });
  await app.listen({ host, port });
  return { url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`, close: () => app.close() };
}
