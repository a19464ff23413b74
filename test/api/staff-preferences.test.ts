/**
 * Staff preferences and absence over real HTTP on a real database: one's own (with an API key or
 * the task inbox's session), a manager or focal point setting someone's absence, bad input that
 * changes nothing and says why, and callers outside the agency or province who learn nothing.
 */
import { createApiKey } from '../../src/auth/api-keys';
import { createApiHarness, type ApiHarness } from './support/harness';
import { Browser, signIn } from './support/inbox-client';

let h: ApiHarness;
/** Keys of callers the harness does not have: a manager of another province, focal points. */
const extra: Record<string, string> = {};
const DAY = 86_400_000;
const inDays = (n: number) => new Date(Date.now() + n * DAY).toISOString();

beforeAll(async () => {
  h = await createApiHarness({ worker: false });
  const key = (owner: string, role: 'staff' | 'manager', scope: { agencyId?: string; province: string; staffId?: string }) =>
    createApiKey(h.db.prisma, { owner, role, ...scope, expiresAt: new Date(Date.now() + 30 * DAY), createdBy: 'test' }).then((k) => k.key);
  extra.managerHN = await key('manager HN', 'manager', { province: 'VN-HN' });
  extra.focalHealth = await key('focal point health', 'staff', { agencyId: 'dn-health', province: 'VN-DN', staffId: 'dn-health-focal_point-1' });
  extra.focalPolice = await key('focal point police', 'staff', { agencyId: 'dn-police', province: 'VN-DN', staffId: 'dn-police-focal_point-1' });
}, 60_000);
afterAll(() => h?.close());

const as = (who: string) => extra[who] ?? who;
const row = (id: string) => h.db.prisma.staffMember.findUniqueOrThrow({ where: { id } });
const audits = (action: string, target: string) => h.db.prisma.auditEvent.findMany({ where: { action, target }, orderBy: { id: 'asc' } });

it('my own preferences: defaults, then language and channel changed and audited', async () => {
  const before = await h.call('staff', 'GET', '/me/preferences');
  expect(before.status).toBe(200);
  expect(before.body).toEqual({ staffId: 'dn-health-caseworker-1', agencyId: 'dn-health', language: 'vi', preferredChannel: null, absence: null, absentNow: false, coveredBy: null });

  const changed = await h.call('staff', 'PUT', '/me/preferences', { body: { language: 'en', preferredChannel: 'sms' } });
  expect(changed.status).toBe(200);
  expect(changed.body).toMatchObject({ language: 'en', preferredChannel: 'sms' });
  expect(await row('dn-health-caseworker-1')).toMatchObject({ language: 'en', preferredChannel: 'sms' });
  const [audit] = await audits('staff.preferences.update', 'dn-health-caseworker-1');
  expect(audit).toMatchObject({ outcome: 'ok', actorType: 'api-key', actorRole: 'staff' });
  expect(JSON.parse(audit!.detail!)).toMatchObject({ language: 'en', preferredChannel: 'sms' });

  // null goes back to the ladder's own channels
  const reset = await h.call('staff', 'PUT', '/me/preferences', { body: { preferredChannel: null, language: 'vi' } });
  expect(reset.body).toMatchObject({ language: 'vi', preferredChannel: null });
});

it('my own absence: my deputy covers while I am away; ending it is audited too', async () => {
  const set = await h.call('staff', 'PUT', '/me/absence', { body: { until: inDays(3), reason: 'training', deputyId: 'dn-health-caseworker-2' } });
  expect(set.status).toBe(200);
  expect(set.body).toMatchObject({ absentNow: true, absence: { reason: 'training', deputyId: 'dn-health-caseworker-2' }, coveredBy: { staffId: 'dn-health-caseworker-2', by: 'deputy' } });
  expect(await audits('staff.absence.set', 'dn-health-caseworker-1')).toHaveLength(1);

  const ended = await h.call('staff', 'DELETE', '/me/absence');
  expect(ended.status).toBe(204);
  expect((await h.call('staff', 'GET', '/me/preferences')).body).toMatchObject({ absence: null, absentNow: false, coveredBy: null });
  expect(await row('dn-health-caseworker-1')).toMatchObject({ absentFrom: null, absentUntil: null, absenceReason: null, deputyId: null });
  expect(await audits('staff.absence.end', 'dn-health-caseworker-1')).toHaveLength(1);
});

it('a deputy away too passes on to their own deputy; around a loop the supervisor covers; with nobody present the person keeps their messages', async () => {
  const [cw, sup, focal] = ['dn-shelter-caseworker-1', 'dn-shelter-supervisor-1', 'dn-shelter-focal_point-1'];
  await h.db.prisma.staffMember.update({ where: { id: cw }, data: { supervisorId: sup } });
  const away = async (id: string, deputyId: string) => expect((await h.call('manager', 'PUT', `/directory/staff/${id}/absence`, { body: { until: inDays(2), reason: 'leave', deputyId } })).status).toBe(200);
  const coveredBy = async () => (await h.call('manager', 'GET', `/directory/staff/${cw}/preferences`)).body.coveredBy;

  await away(cw, sup);
  await away(sup, focal);
  expect(await coveredBy()).toEqual({ staffId: focal, by: 'deputy' });

  await away(cw, focal);
  await away(focal, cw);
  expect((await h.call('manager', 'DELETE', `/directory/staff/${sup}/absence`)).status).toBe(204);
  expect(await coveredBy()).toEqual({ staffId: sup, by: 'supervisor' });

  await away(sup, focal);
  expect(await coveredBy()).toBeNull();
  expect((await h.call('manager', 'GET', `/directory/staff/${cw}/preferences`)).body.absentNow).toBe(true);
  for (const id of [cw, sup, focal]) expect((await h.call('manager', 'DELETE', `/directory/staff/${id}/absence`)).status).toBe(204);
});

it("a province's manager sets a coming absence; an agency's focal point changes a colleague's language", async () => {
  const target = 'dn-police-caseworker-1';
  const from = inDays(1);
  const until = inDays(5);
  const set = await h.call('manager', 'PUT', `/directory/staff/${target}/absence`, { body: { from, until, reason: 'sick_leave', deputyId: 'dn-police-supervisor-1' } });
  expect(set.status).toBe(200);
  expect(set.body).toMatchObject({ staffId: target, absentNow: false, coveredBy: null, absence: { from, until, reason: 'sick_leave', deputyId: 'dn-police-supervisor-1' } });
  const [audit] = await audits('staff.absence.set', target);
  expect(audit).toMatchObject({ actorRole: 'manager', actorProvince: 'VN-DN' });

  const lang = await h.call(as('focalPolice'), 'PUT', '/directory/staff/dn-police-supervisor-1/preferences', { body: { language: 'en' } });
  expect(lang.status).toBe(200);
  expect(lang.body.language).toBe('en');
  expect((await h.call('admin', 'GET', `/directory/staff/${target}/preferences`)).body.absence.deputyId).toBe('dn-police-supervisor-1');
});

describe('bad input changes nothing and says why', () => {
  const target = 'dn-health-caseworker-2';
  const good = { until: inDays(3), reason: 'leave', deputyId: 'dn-health-caseworker-1' };
  const cases: [string, unknown, number, string][] = [
    ['until before from', { ...good, from: inDays(4) }, 422, 'until'],
    ['a period already over', { ...good, from: inDays(-5), until: inDays(-1) }, 422, 'until'],
    ['longer than a year', { ...good, until: inDays(400) }, 422, 'until'],
    ['oneself as deputy', { ...good, deputyId: target }, 422, 'deputyId'],
    ['an unknown deputy', { ...good, deputyId: 'dn-health-caseworker-99' }, 422, 'deputyId'],
    ['a deputy of another agency', { ...good, deputyId: 'dn-police-caseworker-1' }, 422, 'deputyId'],
    ['a deputy no longer active', { ...good, deputyId: 'dn-health-inactive-1' }, 422, 'deputyId'],
    ['a free-text reason', { ...good, reason: 'visiting Hoàng Thị B in hospital' }, 400, 'reason'],
    ['a date without a zone', { ...good, until: '2030-01-01T00:00:00' }, 400, 'until'],
    ['an unknown field', { ...good, note: 'x' }, 400, '(body)'],
    ['no deputy', { until: good.until, reason: 'leave' }, 400, 'deputyId'],
  ];

  beforeAll(async () => {
    await h.db.prisma.staffMember.create({ data: { id: 'dn-health-inactive-1', agencyId: 'dn-health', name: 'Cán bộ nghỉ việc', role: 'caseworker', active: false } });
  });

  it.each(cases)('%s', async (_name, body, status, path) => {
    const before = await row(target);
    const auditCount = await h.db.prisma.auditEvent.count({ where: { target } });
    const res = await h.call('manager', 'PUT', `/directory/staff/${target}/absence`, { body, headers: { 'accept-language': 'en' } });
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    if (status === 422) expect(res.body.detail).toMatch(/ \/ /); // English, then Vietnamese
    expect(await row(target)).toEqual(before);
    expect(await h.db.prisma.auditEvent.count({ where: { target } })).toBe(auditCount);
  });

  it('preferences: an unknown channel or language, or nothing to change', async () => {
    const before = await row(target);
    for (const body of [{ preferredChannel: 'fax' }, { language: 'fr' }, {}]) {
      expect((await h.call('manager', 'PUT', `/directory/staff/${target}/preferences`, { body })).status).toBe(400);
    }
    expect(await row(target)).toEqual(before);
  });
});

describe('permissions', () => {
  const target = 'dn-health-caseworker-1';
  const strip = (body: Record<string, unknown>, id: string) => JSON.parse(JSON.stringify({ ...body, requestId: undefined }).replaceAll(id, 'ID'));

  it("another province's manager, another agency's focal point and a caseworker get the same 404 as for an unknown id, and nothing changes", async () => {
    const before = await row(target);
    for (const who of [as('managerHN'), as('focalPolice'), 'staffPolice', 'staff', 'staffHN']) {
      const own = who === 'staff' ? 'dn-health-caseworker-2' : target;
      const hidden = await h.call(who, 'PUT', `/directory/staff/${own}/absence`, { body: { until: inDays(2), reason: 'leave', deputyId: 'dn-health-supervisor-1' }, headers: { 'accept-language': 'en' } });
      const absent = await h.call(who, 'PUT', '/directory/staff/dn-nobody-1/absence', { body: { until: inDays(2), reason: 'leave', deputyId: 'dn-health-supervisor-1' }, headers: { 'accept-language': 'en' } });
      expect([hidden.status, absent.status]).toEqual([404, 404]);
      expect(strip(hidden.body, own)).toEqual(strip(absent.body, 'dn-nobody-1'));
      expect((await h.call(who, 'GET', `/directory/staff/${own}/preferences`)).status).toBe(404);
    }
    expect(await row(target)).toEqual(before);
    expect(await row('dn-health-caseworker-2')).toMatchObject({ absentFrom: null });
    expect(await h.db.prisma.auditEvent.count({ where: { action: 'access.denied', target } })).toBeGreaterThan(0);
  });

  it("the agency's own focal point may; a coordinator may not manage anyone's; a national key has no own preferences", async () => {
    expect((await h.call(as('focalHealth'), 'GET', `/directory/staff/${target}/preferences`)).status).toBe(200);
    expect((await h.call('coordinator', 'GET', `/directory/staff/${target}/preferences`)).status).toBe(403);
    expect((await h.call('managerNational', 'GET', `/directory/staff/${target}/preferences`)).status).toBe(200);
    expect((await h.call('managerNational', 'GET', '/me/preferences')).status).toBe(403);
    expect((await h.call('admin', 'GET', '/me/preferences')).status).toBe(403);
    expect((await h.call('anonymous', 'GET', '/me/preferences')).status).toBe(401);
  });
});

it('the task inbox session is enough for my own preferences (JSON only), and is audited as the inbox', async () => {
  const b = new Browser(h.baseUrl);
  await signIn(b, h.inbox, 'dn-health-caseworker-2@donghanh.local');
  const cookie = [...b.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const mine = await h.call('anonymous', 'GET', '/me/preferences', { headers: { cookie } });
  expect(mine.status).toBe(200);
  expect(mine.body.staffId).toBe('dn-health-caseworker-2');

  const changed = await h.call('anonymous', 'PUT', '/me/preferences', { body: { preferredChannel: 'both' }, headers: { cookie } });
  expect(changed.status).toBe(200);
  expect((await audits('staff.preferences.update', 'dn-health-caseworker-2')).at(-1)).toMatchObject({ actorType: 'inbox' });
  // A form post from another site cannot carry JSON: refused before anything changes.
  const form = await fetch(`${h.baseUrl}/me/preferences`, { method: 'PUT', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: 'preferredChannel=email' });
  expect(form.status).toBe(415);
  expect(await row('dn-health-caseworker-2')).toMatchObject({ preferredChannel: 'both' });
  // The session is only for one's own preferences.
  expect((await h.call('anonymous', 'GET', '/directory/staff/dn-health-caseworker-2/preferences', { headers: { cookie } })).status).toBe(401);
});
