/**
 * An API on a fresh, migrated and seeded SQLite database, with API keys for every kind of caller,
 * captured log output, and either the in-memory fake Temporal (fast, in-process tests) or a real
 * client (the suite's dev server). Requests go over real HTTP.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Client } from '@temporalio/client';
import { createApiKey } from '../../../src/auth/api-keys';
import type { JwtConfig } from '../../../src/auth/jwt';
import { createSecurity, type Security } from '../../../src/auth/security';
import { buildApi } from '../../../src/client/server';
import { openDatabase, type Database } from '../../../src/db/client';
import { migrateDatabase } from '../../../src/db/migrate';
import { seedDemoData } from '../../../src/db/seed';
import { createLogger } from '../../../src/logger';
import { generateKeySpec } from '../../../src/personal-data/crypto';
import { loadPolicy } from '../../../src/policy';
import type { JourneyPolicy } from '../../../src/policy/schema';
import { createFakeTemporal, type FakeTemporal } from './fake-temporal';

/** Every kind of caller the matrix distinguishes. */
export const WHO = [
  'anonymous',
  'expired',
  'revoked',
  'coordinator',
  'staff',
  'staffPolice',
  'staffShelter',
  'manager',
  'managerNational',
  'admin',
  'coordinatorHN',
  'staffHN',
] as const;
export type Who = (typeof WHO)[number];

export interface ApiHarness {
  app: ReturnType<typeof buildApi>;
  baseUrl: string;
  db: Database;
  security: Security;
  fake: FakeTemporal | null;
  keys: Record<Exclude<Who, 'anonymous'>, string>;
  /** Every log line the API wrote, raw. */
  logs: string[];
  dir: string;
  call(who: Who | string, method: string, url: string, opts?: { body?: unknown; headers?: Record<string, string> }): Promise<{ status: number; body: any; headers: Record<string, unknown>; text: string }>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  temporal?: Client;
  taskQueue?: string;
  policy?: JourneyPolicy;
  rateLimitPerMinute?: number;
  jwt?: JwtConfig;
  personalDataKeys?: string;
  logLevel?: string;
}

const YEAR = 365 * 86_400_000;

export async function createApiHarness(opts: HarnessOptions = {}): Promise<ApiHarness> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dh-api-'));
  const databaseUrl = `file:${path.join(dir, 'api.db')}`;
  await migrateDatabase(databaseUrl);
  const db = openDatabase(databaseUrl);
  await seedDemoData(db.prisma);
  // A second province, for "staff of another province".
  await db.prisma.agency.create({ data: { id: 'hn-health', province: 'VN-HN', kind: 'health_dept', nameVi: 'Sở Y tế Hà Nội', nameEn: 'Ha Noi Department of Health' } });
  await db.prisma.staffMember.createMany({
    data: [
      { id: 'hn-health-caseworker-1', agencyId: 'hn-health', name: 'Demo HN caseworker', role: 'caseworker', email: 'hn1@donghanh.local' },
      { id: 'hn-health-coordinator-1', agencyId: 'hn-health', name: 'Demo HN coordinator', role: 'coordinator', email: 'hn2@donghanh.local' },
    ],
  });
  const fake = opts.temporal ? null : createFakeTemporal(db);
  const security = createSecurity({
    personalDataKeys: opts.personalDataKeys ?? generateKeySpec('test1'),
    actionLinkSecret: randomBytes(32).toString('base64url'),
    actionLinkTtlMs: 3_600_000,
    publicBaseUrl: 'http://127.0.0.1:3000',
    jwt: opts.jwt ?? null,
    rateLimitPerMinute: opts.rateLimitPerMinute ?? 100_000,
  });
  const logs: string[] = [];
  const logger = createLogger(opts.logLevel ?? 'info', 'api-test', { write: (line: string) => void logs.push(line) });
  const app = buildApi({
    temporal: opts.temporal ?? fake!.client,
    taskQueue: opts.taskQueue ?? 'unused',
    policy: opts.policy ?? loadPolicy('default'),
    db,
    logger,
    security,
  });
  // Real HTTP: app.inject needs light-my-request, whose `cookie` dependency is ESM-only for Node 22.
  await app.listen({ host: '127.0.0.1', port: 0 });
  const baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

  const expiresAt = new Date(Date.now() + YEAR);
  const key = (role: 'coordinator' | 'staff' | 'manager' | 'admin', scope: { agencyId?: string; province?: string; staffId?: string } = {}, expires = expiresAt) =>
    createApiKey(db.prisma, { owner: `test ${role}`, role, ...scope, expiresAt: expires, createdBy: 'test' }).then((k) => k.key);
  const staffKey = (agencyId: string, province = 'VN-DN') => key('staff', { agencyId, province, staffId: `${agencyId}-caseworker-1` });
  const revoked = await key('coordinator', { agencyId: 'dn-health', province: 'VN-DN', staffId: 'dn-health-coordinator-1' });
  await db.prisma.apiKey.updateMany({ where: { id: revoked.split('_')[1]! }, data: { revokedAt: new Date() } });
  const keys: ApiHarness['keys'] = {
    expired: await key('coordinator', { agencyId: 'dn-health', province: 'VN-DN' }, new Date(Date.now() - 1000)),
    revoked,
    coordinator: await key('coordinator', { agencyId: 'dn-health', province: 'VN-DN', staffId: 'dn-health-coordinator-1' }),
    staff: await staffKey('dn-health'),
    staffPolice: await staffKey('dn-police'),
    staffShelter: await staffKey('dn-shelter'),
    manager: await key('manager', { agencyId: 'dn-health', province: 'VN-DN', staffId: 'dn-health-manager-1' }),
    managerNational: await key('manager'),
    admin: await key('admin'),
    coordinatorHN: await key('coordinator', { agencyId: 'hn-health', province: 'VN-HN', staffId: 'hn-health-coordinator-1' }),
    staffHN: await staffKey('hn-health', 'VN-HN'),
  };

  return {
    app,
    baseUrl,
    db,
    security,
    fake,
    keys,
    logs,
    dir,
    async call(who, method, url, o = {}) {
      const credential = who === 'anonymous' ? undefined : (keys as Record<string, string>)[who] ?? who;
      const headers: Record<string, string> = { ...(credential ? { authorization: `Bearer ${credential}` } : {}), ...(o.headers ?? {}) };
      let payload: string | undefined;
      if (o.body !== undefined) {
        payload = typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
        headers['content-type'] ??= 'application/json';
      }
      const res = await fetch(`${baseUrl}${url}`, { method, headers, body: payload });
      const text = await res.text();
      let body: unknown = undefined;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = undefined;
      }
      return { status: res.status, body, headers: Object.fromEntries(res.headers.entries()), text };
    },
    async close() {
      await app.close();
      await db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

let counter = 0;
/** A case code no other test uses. */
export const uniqueCode = (prefix = 'DN') => `${prefix}-${Date.now().toString(36).toUpperCase()}-${(++counter).toString(36).toUpperCase()}`;
