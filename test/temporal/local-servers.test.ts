/** Port checks, the dev server's own lifecycle, and the mail catcher: the local servers we start. */
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { startMailCatcher } from '../../src/local/mail-catcher';
import { assertPortFree, canConnect, findFreePort, PortInUseError } from '../../src/local/ports';
import { connectClient } from '../../src/temporal/connection';
import { startDevServer } from '../../src/local/temporal-dev-server';
import { assertSearchAttributesRegistered } from '../../src/temporal/search-attributes';
import { testDataConverter } from '../support/codec';

async function occupy(port: number): Promise<net.Server> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}

describe('assertPortFree', () => {
  it('passes for a free port', async () => {
    await expect(assertPortFree('127.0.0.1', await findFreePort(), 'API_PORT')).resolves.toBeUndefined();
  });

  it('rejects a taken port, naming the port and the env var that moves it', async () => {
    const port = await findFreePort();
    const blocker = await occupy(port);
    try {
      const attempt = assertPortFree('127.0.0.1', port, 'TEMPORAL_UI_PORT');
      await expect(attempt).rejects.toThrow(PortInUseError);
      await expect(attempt).rejects.toThrow(`Port ${port} on 127.0.0.1 is already in use`);
      await expect(attempt).rejects.toThrow('TEMPORAL_UI_PORT=<port>');
    } finally {
      blocker.close();
    }
  });
});

describe('startDevServer', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'dong-hanh-devserver-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  const temporalConfig = async () => {
    const port = await findFreePort();
    return { namespace: 'dong-hanh', port, uiPort: await findFreePort(), cliPath: undefined };
  };

  it('refuses to start on a taken port, naming TEMPORAL_PORT', async () => {
    const cfg = await temporalConfig();
    const blocker = await occupy(cfg.port);
    try {
      await expect(startDevServer(cfg, { dbFile: null, headless: true })).rejects.toThrow(/TEMPORAL_PORT=<port>/);
    } finally {
      blocker.close();
    }
  });

  it('reports an early exit with the output tail', async () => {
    const cfg = { ...(await temporalConfig()), cliPath: '/bin/false' };
    await expect(startDevServer(cfg, { dbFile: null, headless: true })).rejects.toThrow(/exited with code 1 before serving/);
  });

  it('persists to its SQLite file, serves the UI, restarts on the same file and frees its ports on stop', async () => {
    const cfg = await temporalConfig();
    const dbFile = path.join(tmp, 'nested', 'temporal.db'); // folder created on demand
    for (let run = 1; run <= 2; run++) {
      const server = await startDevServer(cfg, { dbFile });
      try {
        expect(server.address).toBe(`127.0.0.1:${cfg.port}`);
        expect((await fetch(server.uiUrl!)).status).toBe(200);
        const { connection } = await connectClient({
          address: server.address,
          namespace: cfg.namespace,
          tls: false,
          tlsCertPath: undefined,
          tlsKeyPath: undefined,
          apiKey: undefined,
        }, testDataConverter);
        try {
          // Second run: attributes already in the file must not make registration fail.
          await assertSearchAttributesRegistered(connection, cfg.namespace);
        } finally {
          await connection.close();
        }
      } finally {
        await server.stop();
      }
      expect(await canConnect('127.0.0.1', cfg.port)).toBe(false);
      expect(await canConnect('127.0.0.1', cfg.uiPort)).toBe(false);
    }
  });
});

describe('startMailCatcher', () => {
  it('catches mail on 127.0.0.1 and shows it in its REST API', async () => {
    const smtpPort = await findFreePort();
    const webPort = await findFreePort();
    const catcher = await startMailCatcher({ smtpPort, webPort });
    try {
      expect(catcher.webUrl).toBe(`http://127.0.0.1:${webPort}`);
      await nodemailer
        .createTransport({ host: '127.0.0.1', port: smtpPort, secure: false })
        .sendMail({ from: 'no-reply@donghanh.local', to: 'canbo@example.vn', subject: 'Nhắc việc', text: 'Xin chào' });
      const emails = (await (await fetch(`${catcher.webUrl}/email`)).json()) as { subject: string }[];
      expect(emails.map((e) => e.subject)).toContain('Nhắc việc');
      // maildev's own SIGTERM handler would exit the process mid-shutdown; it must be gone.
      expect(process.listenerCount('SIGTERM')).toBe(0);
    } finally {
      await catcher.stop();
    }
    expect(await canConnect('127.0.0.1', smtpPort)).toBe(false);
  });

  it('rejects a taken SMTP port, naming SMTP_PORT', async () => {
    const smtpPort = await findFreePort();
    const blocker = await occupy(smtpPort);
    try {
      await expect(startMailCatcher({ smtpPort, webPort: await findFreePort() })).rejects.toThrow(/SMTP_PORT=<port>/);
    } finally {
      blocker.close();
    }
  });
});
