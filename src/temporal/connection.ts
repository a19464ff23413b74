/**
 * Connections to Temporal from the parsed config: a client `Connection` + `Client` for the API
 * and starters, a `NativeConnection` for workers. TLS, mTLS and API keys (Temporal Cloud) are all
 * decided by config (which has checked the files and their combinations); nothing here reads the
 * environment.
 */
import { readFileSync } from 'node:fs';
import { Client, Connection, type TLSConfig } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { NativeConnection } from '@temporalio/worker';
import type { Config } from '../config';

type Temporal = Config['temporal'];
export type TemporalConnectionConfig = Pick<Temporal, 'address' | 'namespace' | 'tls' | 'apiKey'> &
  Partial<Pick<Temporal, 'tlsCertPath' | 'tlsKeyPath' | 'tlsCaPath' | 'tlsServerName'>>;

/** What both `Connection.connect` and `NativeConnection.connect` take. */
export interface TemporalConnectOptions {
  address: string;
  tls: TLSConfig | false;
  apiKey?: string;
}

/**
 * Config → connection options, the files read now (at connect time, so a renewed certificate is
 * picked up by the next start). `false` is plaintext; `{}` is TLS with the system's CAs.
 */
export function connectOptionsFromConfig(cfg: TemporalConnectionConfig, read: (file: string) => Buffer = readFileSync): TemporalConnectOptions {
  const { tlsCertPath, tlsKeyPath, tlsCaPath, tlsServerName } = cfg;
  if (Boolean(tlsCertPath) !== Boolean(tlsKeyPath)) {
    throw new Error('TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH must be set together (mTLS client certificate)');
  }
  const mtls = Boolean(tlsCertPath && tlsKeyPath);
  const tlsOn = cfg.tls || mtls || Boolean(cfg.apiKey) || Boolean(tlsCaPath) || Boolean(tlsServerName);
  const tls: TLSConfig | false = tlsOn
    ? {
        ...(tlsServerName ? { serverNameOverride: tlsServerName } : {}),
        ...(tlsCaPath ? { serverRootCACertificate: read(tlsCaPath) } : {}),
        ...(mtls ? { clientCertPair: { crt: read(tlsCertPath!), key: read(tlsKeyPath!) } } : {}),
      }
    : false;
  return { address: cfg.address, tls, ...(cfg.apiKey ? { apiKey: cfg.apiKey } : {}) };
}

/** `dataConverter` is the payload codec's (journeyDataConverter): required, so no client sends plaintext. */
export async function connectClient(cfg: TemporalConnectionConfig, dataConverter: DataConverter): Promise<{ connection: Connection; client: Client }> {
  const connection = await Connection.connect(connectOptionsFromConfig(cfg));
  return { connection, client: new Client({ connection, namespace: cfg.namespace, dataConverter }) };
}

export function connectWorkerConnection(cfg: TemporalConnectionConfig): Promise<NativeConnection> {
  return NativeConnection.connect(connectOptionsFromConfig(cfg));
}
