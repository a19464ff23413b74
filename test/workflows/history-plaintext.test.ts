/**
 * Temporal's copy of a journey is ciphertext. Journeys are started through the API with known
 * personal data, staff act on them (acknowledge, notes naming the person, complete, a refused extension), and
 * then everything the cluster holds about them is read raw, as someone with its database would:
 * full histories, the described execution (memo, user metadata) and the UI's metadata query
 * (current details). Every payload must be encrypted by the codec, and none of those values,
 * nor any Vietnamese name, may appear anywhere in plaintext.
 */
import type { Payload } from '@temporalio/common';
import { ENCRYPTED_ENCODING } from '../../src/temporal/codec';
import { decryptedHistory } from '../support/codec';
import { createApiHarness, uniqueCode, waitForCase, type ApiHarness } from '../api/support/harness';

const PEOPLE = [
  {
    fullName: 'Nguyễn Thị Hoa',
    otherNames: ['Bé Hoa'],
    dateOfBirth: '2003-02-11',
    sex: 'female',
    nationality: 'VN',
    contact: { phone: '+84 905 111 222', address: '45 Lê Lợi, Hải Châu, Đà Nẵng', safeContactNote: 'gọi qua dì Phạm Thị Mai' },
    languages: ['vi'],
    vulnerabilities: ['no_documents'],
  },
  {
    fullName: 'Trần Văn Đức',
    otherNames: ['Đức Còi'],
    dateOfBirth: '1999-09-30',
    sex: 'male',
    nationality: 'VN',
    contact: { phone: '+84 236 3822 777', address: 'Thôn 3, xã Hòa Vang, Đà Nẵng', safeContactNote: 'only through Võ Minh Tuấn' },
    languages: ['vi', 'km'],
    vulnerabilities: [],
  },
];
const NOTES = (p: (typeof PEOPLE)[number]) => `Gặp ${p.fullName} tại nhà tạm lánh; số ${p.contact.phone}`;

/** Names and other words that only personal data (or a directory's staff names) would bring. */
const VIETNAMESE_NAMES = [
  'Nguyễn', 'Trần', 'Phạm', 'Hoàng', 'Huỳnh', 'Phan', 'Vũ', 'Võ', 'Đặng', 'Bùi', 'Đỗ', 'Ngô', 'Dương', 'Đức', 'Hoa', 'Mai', 'Tuấn', 'Lan', 'Minh', 'Hồng',
  // The seeded directory's staff, in case an activity argument carried them.
  'Nguyễn Thị Lan', 'Trần Văn Minh', 'Lê Thị Hồng',
];
const KNOWN_VALUES = PEOPLE.flatMap((p) => [p.fullName, ...p.otherNames, p.dateOfBirth, p.contact.phone, p.contact.phone.replace(/\s/g, ''), p.contact.address, p.contact.safeContactNote, NOTES(p)]);

let h: ApiHarness;
const codes: string[] = [];

beforeAll(async () => {
  h = await createApiHarness();
  for (const person of PEOPLE) {
    const code = uniqueCode('DN');
    const started = await h.call('coordinator', 'POST', '/cases', { body: { caseCode: code, province: 'VN-DN', leadAgencyId: 'dn-health', personalData: person } });
    expect(started.status).toBe(201);
    codes.push(code);
    const acted = [
      await h.call('staff', 'POST', `/cases/${code}/tasks/reception/acknowledge`, { body: {} }),
      await h.call('staff', 'POST', `/cases/${code}/tasks/reception/notes`, { body: { text: NOTES(person) } }),
      await h.call('staff', 'POST', `/cases/${code}/tasks/reception/complete`, { body: {} }),
    ];
    expect(acted.map((r) => r.status)).toEqual([200, 200, 200]);
    await waitForCase<{ tasks: { key: string }[] }>(h, code, (s) => s.tasks.some((t) => t.key === 'verify-initial-information'));
    // Its legal deadline cannot be extended: the refusal is an update failure, whose message must be encoded too.
    const refused = await h.call('staff', 'POST', `/cases/${code}/tasks/verify-initial-information/extend`, { body: { extendBy: '2d', reason: 'person_unavailable' } });
    expect(refused.status).toBe(422);
    const more = [
      await h.call('staff', 'POST', `/cases/${code}/tasks/verify-initial-information/acknowledge`, { body: {} }),
      await h.call('staff', 'POST', `/cases/${code}/tasks/verify-initial-information/notes`, { body: { text: `${person.fullName}: ${person.contact.address}` } }),
    ];
    expect(more.map((r) => r.status)).toEqual([200, 200]);
  }
});
afterAll(() => h?.close());

/** Every payload in a message, with where it sits (e.g. `events.3.workflowExecutionStartedEventAttributes.input.payloads.0`). */
function payloadsIn(value: unknown, at = ''): { at: string; payload: Payload }[] {
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return [];
  const o = value as Record<string, unknown>;
  if ('data' in o && 'metadata' in o && (o.data === null || o.data instanceof Uint8Array)) return [{ at, payload: o as Payload }];
  return Object.entries(o).flatMap(([k, v]) => payloadsIn(v, at ? `${at}.${k}` : k));
}

/** Every string and every byte string (as UTF-8) in a message: what a reader of the raw store could see. */
function everythingReadable(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : typeof v === 'bigint' ? String(v) : v));
}

const encodingOf = (p: Payload) => Buffer.from(p.metadata?.encoding ?? []).toString('utf8');
/**
 * Plaintext by design, still scanned for names below: search attributes (indexed by the server:
 * pseudonymous values only), headers (the SDK does not pass them through codecs) and `patched()`
 * markers, which the SDK's core writes itself with only the patch id in them.
 */
const plaintextByDesign = (at: string) =>
  /(^|\.)searchAttributes\.indexedFields\./.test(at) || /(^|\.)header\.fields\./.test(at) || /markerRecordedEventAttributes\.details\.patch-data\./.test(at);

async function rawRecordsOf(code: string) {
  const handle = h.journey(code);
  const history = await handle.fetchHistory();
  const described = await h.client.workflowService.describeWorkflowExecution({ namespace: 'default', execution: { workflowId: handle.workflowId } });
  // What the Web UI asks for a workflow's summary and current details, answered raw.
  const metadata = await h.client.workflowService.queryWorkflow({ namespace: 'default', execution: { workflowId: handle.workflowId }, query: { queryType: '__temporal_workflow_metadata' } });
  return { history, described, metadata };
}

test('the journeys have full histories to scan', async () => {
  for (const code of codes) {
    const { history } = await rawRecordsOf(code);
    expect(history.events!.length).toBeGreaterThan(15);
    expect(payloadsIn(history).filter(({ at }) => !plaintextByDesign(at)).length).toBeGreaterThan(10);
  }
});

test('every payload of history, memo, user metadata, failures and the metadata query is encrypted, and none holds the case code', async () => {
  for (const code of codes) {
    const records = await rawRecordsOf(code);
    const found = payloadsIn(records).filter(({ at }) => !plaintextByDesign(at));
    // KNOWN GAP (SDK 1.24): a local activity's result (the journey's policy body, resolved by a local
    // activity) is recorded in its marker without passing the codec. It holds the policy only: no
    // case code, no person (checked below on every payload). Tracked in the i15-codec report.
    const localActivityResult = (at: string) => /markerRecordedEventAttributes\.details\.data\./.test(at);
    const notEncrypted = found.filter(({ at, payload }) => !localActivityResult(at) && encodingOf(payload) !== ENCRYPTED_ENCODING).map(({ at, payload }) => `${at}: ${encodingOf(payload)}`);
    expect(notEncrypted).toEqual([]);
    // The workflow input names the case code: without the codec it would be right there.
    const withCode = payloadsIn(records).filter(({ at }) => !/searchAttributes\.indexedFields\./.test(at)).filter(({ payload }) => Buffer.from(payload.data ?? []).includes(Buffer.from(code))).map(({ at }) => at);
    expect(withCode).toEqual([]);
    // Failures keep no readable message or stack trace outside their encoded attributes.
    const failures = everythingReadable(records.history).match(/"message":"[^"]*"/g) ?? [];
    for (const message of failures) expect(message).toBe('"message":"Encoded failure"');
  }
});

test('no personal value and no Vietnamese name appears anywhere in plaintext: history, memo, headers, user metadata, failures, current details', async () => {
  const hits: string[] = [];
  for (const code of codes) {
    const text = everythingReadable(await rawRecordsOf(code));
    for (const needle of [...KNOWN_VALUES, ...VIETNAMESE_NAMES]) {
      // Names are matched as words, in NFC and NFD: a decomposed "Nguyễn" is the same name.
      const pattern = new RegExp(`(^|[^\\p{L}])(${[needle.normalize('NFC'), needle.normalize('NFD')].map(escape).join('|')})($|[^\\p{L}])`, 'u');
      if (pattern.test(text)) hits.push(`${code}: ${needle}`);
    }
  }
  expect(hits).toEqual([]);
});

test('decrypted with the run\'s key (as record.ts saves replay histories), the same history is readable and names the case', async () => {
  const history = await decryptedHistory(await h.journey(codes[0]!).fetchHistory());
  const found = payloadsIn(history);
  expect(found.filter(({ payload }) => encodingOf(payload) === ENCRYPTED_ENCODING)).toEqual([]);
  expect(found.some(({ payload }) => Buffer.from(payload.data ?? []).includes(Buffer.from(codes[0]!)))).toBe(true);
});

test('the API still reads the journeys through the codec (the scan is of working journeys)', async () => {
  for (const code of codes) {
    const res = await h.call('coordinator', 'GET', `/cases/${code}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ caseCode: code, hasPersonalData: true });
  }
});

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
