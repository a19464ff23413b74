/**
 * Temporal connection options from config (TLS, mTLS, API key), and proof that they reach the
 * wire: a TLS listener with the test CA's server certificate sees our client certificate in the
 * handshake of both SDK connections. (It speaks no gRPC, so the connections then fail: expected.)
 */
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { parseConfig } from '../../src/config';
import { connectClient, connectOptionsFromConfig } from '../../src/temporal/connection';
import { suiteServerAddress } from '../support/temporal';
import { testDataConverter } from '../support/codec';

const dir = path.resolve(__dirname, '../fixtures/tls');
const file = (name: string) => fs.readFileSync(path.join(dir, name));

describe('connectOptionsFromConfig', () => {
  test('mTLS: client certificate pair, server CA and server name, read from the configured files', () => {
    const cfg = parseConfig({
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      TEMPORAL_TLS_CERT_PATH: `${dir}/client.pem`,
      TEMPORAL_TLS_KEY_PATH: `${dir}/client.key`,
      TEMPORAL_TLS_CA_PATH: `${dir}/ca.pem`,
      TEMPORAL_TLS_SERVER_NAME: 'temporal.test',
    });
    expect(connectOptionsFromConfig(cfg.temporal)).toEqual({
      address: 'temporal.internal:7233',
      tls: {
        serverNameOverride: 'temporal.test',
        serverRootCACertificate: file('ca.pem'),
        clientCertPair: { crt: file('client.pem'), key: file('client.key') },
      },
    });
  });

  test('an API key (Temporal Cloud): TLS with the system CAs plus the key; nothing set: plaintext', () => {
    const cloud = parseConfig({ TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233', TEMPORAL_NAMESPACE: 'ns.acct', TEMPORAL_API_KEY: 'key-1' });
    expect(connectOptionsFromConfig(cloud.temporal)).toEqual({ address: 'ns.acct.tmprl.cloud:7233', tls: {}, apiKey: 'key-1' });
    expect(connectOptionsFromConfig(parseConfig({ TEMPORAL_ADDRESS: 'temporal.internal:7233', TEMPORAL_TLS: 'true' }).temporal).tls).toEqual({});
    expect(connectOptionsFromConfig(parseConfig({ TEMPORAL_ADDRESS: 'temporal.internal:7233' }).temporal).tls).toBe(false);
  });
});

describe('a TLS handshake with the configured material', () => {
  let server: tls.Server;
  let address: string;
  const handshakes: ((cn: string) => void)[] = [];

  beforeAll(async () => {
    server = tls.createServer(
      { cert: file('server.pem'), key: file('server.key'), ca: file('ca.pem'), requestCert: true, rejectUnauthorized: true, ALPNProtocols: ['h2'] },
      (socket) => {
        const cn = String(socket.getPeerCertificate().subject?.CN);
        handshakes.shift()?.(cn);
        socket.destroy(); // no gRPC here
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const mtlsConfig = () =>
    parseConfig({
      TEMPORAL_ADDRESS: address,
      TEMPORAL_TLS_CERT_PATH: `${dir}/client.pem`,
      TEMPORAL_TLS_KEY_PATH: `${dir}/client.key`,
      TEMPORAL_TLS_CA_PATH: `${dir}/ca.pem`,
      // The certificate is for temporal.test, not 127.0.0.1: only the override makes it match.
      TEMPORAL_TLS_SERVER_NAME: 'temporal.test',
    }).temporal;
  /** The client CN the listener saw, or how the attempt failed before any handshake completed. */
  const handshakeOf = async (attempt: Promise<unknown>) => {
    const seen = new Promise<string>((resolve) => handshakes.push(resolve));
    const outcome = attempt.then(
      () => 'connected',
      (error: Error) => `failed first: ${error.message}`,
    );
    const first = await Promise.race([seen, outcome]);
    await outcome; // no gRPC here: the connection itself fails
    return first;
  };

  test('the client Connection presents the client certificate and trusts the CA', async () => {
    await expect(handshakeOf(Connection.connect({ ...connectOptionsFromConfig(mtlsConfig()), connectTimeout: 2_000 }))).resolves.toBe('dong-hanh-worker');
  });

  test('the worker NativeConnection does the same', async () => {
    await expect(handshakeOf(NativeConnection.connect(connectOptionsFromConfig(mtlsConfig())))).resolves.toBe('dong-hanh-worker');
  });
});

test('TLS towards a plaintext server (the suite dev server) fails instead of falling back', async () => {
  const cfg = parseConfig({ TEMPORAL_ADDRESS: suiteServerAddress(), TEMPORAL_TLS: 'true' }).temporal;
  await expect(NativeConnection.connect(connectOptionsFromConfig(cfg))).rejects.toThrow();
  // The same server, plaintext: connects.
  const { connection } = await connectClient(parseConfig({ TEMPORAL_ADDRESS: suiteServerAddress() }).temporal, testDataConverter);
  await connection.close();
});
