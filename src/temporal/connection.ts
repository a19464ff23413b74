/**
 * Connections to Temporal from the parsed config: a client `Connection` + `Client` for the API
 * and starters, a `NativeConnection` for workers. TLS, mTLS and API keys (Temporal Cloud) are all
 * decided by config; nothing here reads the environment.
 */
import { readFileSync } from 'node:fs';
import { Client, Connection, type TLSConfig } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Config } from '../config';

export type TemporalConnectionConfig = Pick<
  Config['temporal'],
  'address' | 'namespace' | 'tls' | 'tlsCertPath' | 'tlsKeyPath' | 'apiKey'
>;

/** `false` (plaintext), `true` (server TLS) or mTLS with the configured client certificate. */
export function tlsFromConfig(cfg: TemporalConnectionConfig): TLSConfig | boolean {
  const { tlsCertPath, tlsKeyPath } = cfg;
  if (Boolean(tlsCertPath) !== Boolean(tlsKeyPath)) {
    throw new Error('TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH must be set together (mTLS client certificate)');
  }
  if (tlsCertPath && tlsKeyPath) {
    // A client certificate only makes sense over TLS, so it switches TLS on by itself.
    return { clientCertPair: { crt: readFileSync(tlsCertPath), key: readFileSync(tlsKeyPath) } };
  }
  return cfg.tls;
}

export async function connectClient(cfg: TemporalConnectionConfig): Promise<{ connection: Connection; client: Client }> {
  const connection = await Connection.connect({ address: cfg.address, tls: tlsFromConfig(cfg), apiKey: cfg.apiKey });
  return { connection, client: new Client({ connection, namespace: cfg.namespace }) };
}

export function connectWorkerConnection(cfg: TemporalConnectionConfig): Promise<NativeConnection> {
  return NativeConnection.connect({ address: cfg.address, tls: tlsFromConfig(cfg), apiKey: cfg.apiKey });
}
