/**
 * Shelter placement on a real time-skipping Temporal server and SQLite: the default policy's
 * shelter-placement task reserves a free place as it opens, occupies it when done and releases it
 * when reintegration begins; a province with no free place tells the coordinator at once (urgent,
 * on the real SMTP server), and the task waits for the coordinator's choice, which exit releases.
 */
import * as d from '../../src/journey/definitions';
import { createJourneyHarness, waitForState, type JourneyHarness } from '../support/journey-harness';
import { advanceTo, complete, openTask, refusal } from '../support/journey-steps';
import { recipientsOf } from '../support/smtp';

let h: JourneyHarness;
beforeAll(async () => {
  h = await createJourneyHarness();
});
afterAll(() => h?.teardown());
beforeEach(async () => {
  h.inbox.messages.length = 0;
  await h.db.prisma.facilityPlacement.deleteMany();
  await h.db.prisma.supportFacility.deleteMany();
});

const lead = { staffId: 'dn-health-coordinator-1', agencyId: 'dn-health' };
const facility = (id: string, capacity: number, over: { dedicated?: boolean } = {}) =>
  h.db.prisma.supportFacility.create({ data: { id, province: 'VN-DN', nameVi: id, nameEn: id, ownership: 'public', capacity, dedicated: true, ...over } });
const occupied = async (id: string) => (await h.db.prisma.supportFacility.findUniqueOrThrow({ where: { id } })).occupied;
const placement = (taskId: string) => h.db.prisma.facilityPlacement.findUnique({ where: { taskId } });

test('a placement reserves a free place as it opens, occupies it when done, and reintegration releases it', async () => {
  await facility('dn-shelter-a', 2);
  await h.run(async () => {
    const handle = await h.start('DN-PLACE-1');
    await advanceTo(handle, 'support-services', ['shelter-placement', 'medical-care']);
    const task = await openTask(handle, 'shelter-placement');
    await waitForState(handle, (s) => s.history.some((e) => e.action === 'place-reserved' && e.taskId === task.id));
    expect(await placement(task.id)).toMatchObject({ caseCode: 'DN-PLACE-1', facilityId: 'dn-shelter-a', status: 'reserved' });
    expect(await occupied('dn-shelter-a')).toBe(1);

    await complete(handle, 'shelter-placement');
    expect((await placement(task.id))?.status).toBe('occupied');
    expect(await occupied('dn-shelter-a')).toBe(1);

    await complete(handle, 'medical-care');
    const state = await waitForState(handle, (s) => s.history.some((e) => e.action === 'places-released'));
    expect(state.stage).toBe('reintegration');
    expect(await placement(task.id)).toMatchObject({ status: 'released' });
    expect(await occupied('dn-shelter-a')).toBe(0);
    // No facility, no person: the history names neither.
    expect(JSON.stringify(state.history)).not.toContain('dn-shelter-a');
  });
});

test('a full province tells the coordinator at once; the task waits for their choice, and closing the case releases it', async () => {
  await facility('dn-shelter-full', 1);
  await h.db.prisma.supportFacility.update({ where: { id: 'dn-shelter-full' }, data: { occupied: 1 } });
  await h.run(async () => {
    const handle = await h.start('DN-PLACE-FULL');
    await advanceTo(handle, 'support-services', ['shelter-placement']);
    const task = await openTask(handle, 'shelter-placement');
    await waitForState(handle, (s) => s.history.some((e) => e.action === 'no-free-place' && e.taskId === task.id));
    expect(await placement(task.id)).toBeNull();

    // At once, urgent: the coordinator's email on the real SMTP server, and its outbox rows.
    const mails = await h.inbox.waitFor(1);
    const told = mails.filter((m) => m.subject?.includes('DN-PLACE-FULL') && recipientsOf(m).includes(`${lead.staffId}@donghanh.local`));
    expect(told).toHaveLength(1);
    expect(told[0]!.subject).toMatch(/^Hết chỗ ở — hồ sơ DN-PLACE-FULL/);
    const rows = await h.db.prisma.notification.findMany({ where: { taskId: task.id, purpose: 'no-free-place' } });
    expect(rows.map((r) => [r.recipientId, r.channel]).sort()).toEqual([[lead.staffId, 'email'], [lead.staffId, 'sms']]);
    expect((await openTask(handle, 'shelter-placement')).status).toBe('open');

    // The coordinator chooses: a full facility is refused and changes nothing; a new one takes the person.
    const choose = (facilityId: string, who = lead) => handle.executeUpdate(d.choosePlacementUpdate, { args: [{ taskId: task.id, ...who, facilityId }] });
    expect(await refusal(choose('dn-shelter-full'))).toMatch(/^NoFreePlace: /);
    expect(await refusal(choose('dn-nowhere'))).toMatch(/^FacilityUnavailable: /);
    expect(await refusal(choose('dn-shelter-full', { staffId: 'dn-police-caseworker-1', agencyId: 'dn-police' }))).toMatch(/^NotLeadAgency: /);
    await facility('dn-shelter-new', 3, { dedicated: false });
    expect(await choose('dn-shelter-new')).toEqual({ taskId: task.id, status: 'reserved' });
    expect(await placement(task.id)).toMatchObject({ facilityId: 'dn-shelter-new', status: 'reserved' });
    expect([await occupied('dn-shelter-full'), await occupied('dn-shelter-new')]).toEqual([1, 1]);

    // Exit: consent withdrawn closes the case at once; the place goes back.
    await handle.executeUpdate(d.withdrawConsentUpdate, { args: [lead] });
    await handle.result();
    expect((await placement(task.id))?.status).toBe('released');
    expect([await occupied('dn-shelter-full'), await occupied('dn-shelter-new')]).toEqual([1, 0]);
  });
});
