/**
 * The PostgreSQL client's pool and TLS from config (DATABASE_POOL_*, DATABASE_*_TIMEOUT,
 * DATABASE_SSL_*), as the pg driver takes them: the Prisma adapter's pool and the migration
 * runner's client both use this, so migrations reach a TLS-only server too.
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { PoolConfig } from 'pg';
import type { Config } from '../config';

export type PostgresOptions = NonNullable<Config['postgres']>;

/** libpq's sslmode, in pg's terms. `undefined`: leave it to the URL (plaintext unless it says otherwise). */
export function postgresSsl(options: Pick<PostgresOptions, 'sslMode' | 'sslCaPath'>, read: (file: string) => Buffer = readFileSync): ConnectionOptions | false | undefined {
  const ca = options.sslCaPath ? read(options.sslCaPath) : undefined;
  switch (options.sslMode) {
    case undefined:
      return undefined;
    case 'disable':
      return false;
    case 'require': // encrypted, the server not checked
      return { rejectUnauthorized: false };
    case 'verify-ca': // the certificate chain checked, not the host name
      return { rejectUnauthorized: true, ...(ca ? { ca } : {}), checkServerIdentity: () => undefined };
    case 'verify-full':
      return { rejectUnauthorized: true, ...(ca ? { ca } : {}) };
  }
}

export function postgresPoolConfig(url: string, options: PostgresOptions | null | undefined, read?: (file: string) => Buffer): PoolConfig {
  if (!options) return { connectionString: url };
  const ssl = postgresSsl(options, read);
  return {
    connectionString: url,
    max: options.poolMax,
    connectionTimeoutMillis: options.connectTimeoutMs,
    idleTimeoutMillis: options.idleTimeoutMs,
    ...(ssl === undefined ? {} : { ssl }),
  };
}
