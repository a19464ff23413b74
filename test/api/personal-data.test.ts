/**
 * Personal data: it reaches the database encrypted and nowhere else. Not in Temporal (the
 * workflow's input and history stay pseudonymous), not in any log line, not in any response to a
 * role that must not see it; each read is in the audit log with the caller and the request id.
 * Real Temporal server, real worker, real SQLite file (read raw, as an attacker with the file would).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { openSqliteFile } from '../../src/db/sqlite';
import { journeyWorkflowId } from '../../src/journey/definitions';
import { createApiHarness, uniqueCode, waitForCase, type ApiHarness } from './support/harness';

let h: ApiHarness;
const MARK = `Zebra${randomBytes(4).toString('hex')}`;
const person = {
  fullName: `Nguyễn Thị ${MARK}`,
  otherNames: [`Bé ${MARK}`],
  dateOfBirth: '2004-05-17',
  sex: 'female',
  nationality: 'VN',
  contact: { phone: '+84 90 555 0199', address: `12 Đường ${MARK}, Đà Nẵng`, safeContactNote: `only via aunt ${MARK}` },
  languages: ['vi', 'km'],
  vulnerabilities: ['no_documents'],
};
const code = uniqueCode('DN');
const NOTE = `Met the person at the shelter; brother ${MARK} is looking for her`;

beforeAll(async () => {
  // Trace level: if anything logged personal data, even at the lowest level, the test would see it.
  h = await createApiHarness({ logLevel: 'trace' });
  const res = await h.call('coordinator', 'POST', '/cases', { body: { caseCode: code, province: 'VN-DN', leadAgencyId: 'dn-health', personalData: person } });
  expect(res.status).toBe(201);
  await waitForCase<{ tasks: unknown[] }>(h, code, (s) => s.tasks.length > 0);
});
afterAll(() => h?.close());

test('the coordinator reads it back, decrypted; the read is audited with who, which key and the request id', async () => {
  const res = await h.call('coordinator', 'GET', `/cases/${code}/personal-data`);
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ caseCode: code, personalData: person });
  expect(res.headers['cache-control']).toBe('no-store');
  const events = await h.db.prisma.auditEvent.findMany({ where: { action: 'personal-data.read', caseCode: code } });
  expect(events).toHaveLength(1);
  expect(events[0]).toMatchObject({ actorType: 'api-key', actorRole: 'coordinator', actorProvince: 'VN-DN', outcome: 'ok', requestId: res.headers['x-request-id'] });
  expect(JSON.stringify(events)).not.toContain(MARK);
});

test('staff whose agency works on the case now may read it; other staff, managers and admins may not', async () => {
  expect((await h.call('staff', 'GET', `/cases/${code}/personal-data`)).status).toBe(200);
  for (const [who, status] of [['manager', 403], ['managerNational', 403], ['admin', 403], ['staffShelter', 404], ['staffHN', 404], ['coordinatorHN', 404]] as const) {
    const res = await h.call(who, 'GET', `/cases/${code}/personal-data`);
    expect([who, res.status]).toEqual([who, status]);
    expect(res.text).not.toContain(MARK);
  }
});

test('no other response carries it, to anyone', async () => {
  for (const who of ['coordinator', 'staff', 'manager', 'managerNational', 'admin', 'staffShelter'] as const) {
    for (const url of [`/cases/${code}`, '/cases', '/tasks/mine', '/indicators?period=2026', '/admin/audit']) {
      const res = await h.call(who, 'GET', url);
      expect([who, url, res.text.includes(MARK)]).toEqual([who, url, false]);
    }
  }
  const state = await h.call('coordinator', 'GET', `/cases/${code}`);
  expect(state.body).toMatchObject({ hasPersonalData: true });
});

test('notes are encrypted like personal data; the journey records only the note id', async () => {
  const res = await h.call('staff', 'POST', `/cases/${code}/tasks/reception/notes`, { body: { text: NOTE } });
  expect(res.status).toBe(200);
  const { noteId } = res.body as { noteId: string };
  const notes = await h.call('coordinator', 'GET', `/cases/${code}/notes`);
  expect((notes.body as { items: { id: string; text: string }[] }).items).toEqual([expect.objectContaining({ id: noteId, text: NOTE })]);
  const state = await waitForCase<{ history: { action: string; detail?: string }[] }>(h, code, (s) => s.history.some((e) => e.action === 'note-added'));
  expect(state.history.find((e) => e.action === 'note-added')!.detail).toBe(noteId);
  expect(await h.db.prisma.auditEvent.count({ where: { action: 'notes.read', caseCode: code } })).toBe(1);
});

test('Temporal never sees it: not in the workflow input, the history, the memo or the search attributes', async () => {
  const handle = h.client.workflow.getHandle(journeyWorkflowId(code));
  const history = await handle.fetchHistory();
  const described = await handle.describe();
  const everything = JSON.stringify(history, (_k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : typeof v === 'bigint' ? String(v) : v)) + JSON.stringify(described.raw);
  expect(everything).toContain(code); // the history is readable here: the search works
  expect(everything).not.toContain(MARK);
  expect(everything).not.toContain('2004-05-17');
  expect(everything).not.toContain('+84 90 555 0199');
});

test('at rest it is ciphertext: the raw database file holds none of it', async () => {
  const file = h.databaseFile;
  const db = openSqliteFile(file);
  try {
    db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    const rows = db.prepare('SELECT * FROM "CasePersonalData" WHERE "caseCode" = ?').all(code) as { keyId: string; ciphertext: string }[];
    expect(rows).toHaveLength(1);
    expect(rows[0]!.keyId).toBe('test1');
  } finally {
    db.close();
  }
  const dir = path.dirname(file);
  for (const f of fs.readdirSync(dir).filter((n) => n.startsWith(path.basename(file)))) {
    const bytes = fs.readFileSync(path.join(dir, f));
    expect([f, bytes.includes(Buffer.from(MARK))]).toEqual([f, false]);
    expect([f, bytes.includes(Buffer.from(MARK, 'utf16le'))]).toEqual([f, false]);
  }
});

test('broken JSON that holds personal data is a 400 that does not echo it', async () => {
  const res = await h.call('coordinator', 'POST', '/cases', { body: `{"caseCode":"${uniqueCode()}","personalData":{"fullName":"Trần ${MARK}"`, headers: { 'content-type': 'application/json' } });
  expect(res.status).toBe(400);
  expect(res.text).not.toContain(MARK);
  const huge = await h.call('coordinator', 'POST', '/cases', { body: { personalData: { fullName: `${MARK} `.repeat(3000) } } });
  expect(huge.status).toBe(413);
  expect(huge.text).not.toContain(MARK);
});

test('no log line carries it, at any level, and every request line has its request id', async () => {
  const all = h.logs.join('');
  expect(h.logs.length).toBeGreaterThan(10);
  expect(all).not.toContain(MARK);
  expect(all).not.toContain('2004-05-17');
  expect(all).not.toContain('+84 90 555 0199');
  const completed = h.logs.map((l) => JSON.parse(l) as { msg: string; reqId?: string }).filter((l) => l.msg === 'request completed');
  expect(completed.length).toBeGreaterThan(5);
  for (const line of completed) expect(line.reqId).toEqual(expect.any(String));
});

test('replacing it needs the coordinator; the write is audited', async () => {
  const updated = { ...person, languages: ['vi'] };
  expect((await h.call('staff', 'PUT', `/cases/${code}/personal-data`, { body: updated })).status).toBe(403);
  expect((await h.call('coordinator', 'PUT', `/cases/${code}/personal-data`, { body: updated })).status).toBe(204);
  expect((await h.call('coordinator', 'GET', `/cases/${code}/personal-data`)).body).toMatchObject({ personalData: { languages: ['vi'] } });
  expect(await h.db.prisma.auditEvent.count({ where: { action: 'personal-data.write', caseCode: code } })).toBe(2);
});
