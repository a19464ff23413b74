/**
 * Intake on a real time-skipping Temporal server: Art. 27's 3 days count from the notification,
 * verification opens with reception, and the policy's conditions on case facts open the first
 * tasks of a border-guard hand-over, a return from abroad and a child's case.
 */
import type { CaseFacts } from '../../src/domain/case';
import { journeyStateQuery, type JourneyState } from '../../src/journey/definitions';
import { createJourneyHarness, DAY, HOUR, waitForState, type JourneyHarness } from '../support/journey-harness';
import { complete, openTask } from '../support/journey-steps';

let h: JourneyHarness;
beforeAll(async () => {
  h = await createJourneyHarness();
});
afterAll(() => h?.teardown());

const VERIFICATION = ['verify-initial-information', 'police-verification'];
const keys = (s: JourneyState) => s.tasks.map((t) => t.key);
/** The first tasks are all recorded once police verification (the last of them, in policy order) is open. */
const firstTasks = (handle: Parameters<typeof waitForState>[0]) => waitForState(handle, (s) => s.tasks.some((t) => t.key === 'police-verification'));

test('verification opens with reception, and its 3 days count from the notification, not from the record', async () => {
  await h.run(async () => {
    // Time-skipping: the server's clock, not the test's, is "now" for the journey.
    const notifiedAt = new Date((await h.env.currentTimeMs()) - 2 * DAY).toISOString();
    const handle = await h.start('DN-INTAKE-001', { facts: { notifiedAt, notifiedBy: 'police' } });
    const state = await firstTasks(handle);
    expect(keys(state)).toEqual(['reception', ...VERIFICATION]);
    // Then the verification tasks' acknowledgements, due a day after the notification, escalate at once.
    expect(state.history.slice(0, 6).map((e) => [e.action, e.detail ?? e.taskId])).toEqual([
      ['case-opened', expect.any(String)],
      ['stage-started', 'reception'],
      ['stage-started', 'initial-verification'],
      ['task-opened', expect.any(String)],
      ['task-opened', expect.any(String)],
      ['task-opened', expect.any(String)],
    ]);
    const task = (key: string) => state.tasks.find((t) => t.key === key)!;
    // Notified two days ago: one day of the three is left.
    expect(task('verify-initial-information').completeDueAt).toBe(new Date(Date.parse(notifiedAt) + 3 * DAY).toISOString());
    expect(task('police-verification').completeDueAt).toBe(new Date(Date.parse(notifiedAt) + 3 * DAY).toISOString());
    // Reception's own clock starts when its task opens.
    expect(Date.parse(task('reception').completeDueAt) - Date.parse(task('reception').createdAt)).toBe(DAY);
    expect(state.facts).toEqual({ notifiedAt, notifiedBy: 'police' });

    const row = await h.db.prisma.case.findUniqueOrThrow({ where: { code: 'DN-INTAKE-001' } });
    expect(row).toMatchObject({ notifiedAt: new Date(notifiedAt), notifiedBy: 'police', isChild: null, familyId: null });

    // Verification done first: identification still waits for reception, the stage it started with.
    for (const key of VERIFICATION) await complete(handle, key);
    await h.env.sleep(HOUR);
    expect(keys(await handle.query(journeyStateQuery))).not.toContain('identification-decision');
    await complete(handle, 'reception');
    await openTask(handle, 'identification-decision');
  });
});

test('without a notification time the 3 days count from the opening, as before', async () => {
  await h.run(async () => {
    const state = await firstTasks(await h.start('DN-INTAKE-002'));
    const verify = state.tasks.find((t) => t.key === 'verify-initial-information')!;
    expect(verify.completeDueAt).toBe(new Date(Date.parse(state.openedAt) + 3 * DAY).toISOString());
    expect(state.facts).toBeUndefined();
  });
});

test.each<[string, CaseFacts, string[]]>([
  ['a border-guard hand-over', { notifiedBy: 'border_guard' }, ['reception', 'border-guard-handover', ...VERIFICATION]],
  ['a return from abroad', { notifiedBy: 'returned_from_abroad' }, ['reception', 'returnee-reception', ...VERIFICATION]],
  ['a commune notification', { notifiedBy: 'commune_committee' }, ['reception', ...VERIFICATION]],
])('%s opens its own first tasks', async (_, facts, expected) => {
  await h.run(async () => {
    const state = await firstTasks(await h.start(`DN-INTAKE-${facts.notifiedBy!.toUpperCase().replace(/_/g, '-')}`, { facts }));
    expect(keys(state)).toEqual(expected);
    const handover = state.tasks.find((t) => t.key === 'border-guard-handover');
    if (handover) expect(handover.agencyId).toBe((await h.db.prisma.agency.findFirstOrThrow({ where: { province: 'VN-DN', kind: 'border_guard' } })).id);
  });
});

test("a child's case opens the guardian contact and the child-protection assessment with shorter deadlines; an adult's does not", async () => {
  await h.run(async () => {
    const notifiedAt = new Date((await h.env.currentTimeMs()) - 2 * HOUR).toISOString();
    const child = await waitForState(await h.start('DN-INTAKE-CHILD', { facts: { notifiedAt, child: true } }), (s) => s.tasks.some((t) => t.key === 'child-protection-assessment'));
    expect(keys(child)).toEqual(['reception', 'guardian-contact', ...VERIFICATION, 'child-protection-assessment']);
    const due = (key: string) => Date.parse(child.tasks.find((t) => t.key === key)!.completeDueAt) - Date.parse(notifiedAt);
    expect(due('guardian-contact')).toBe(12 * HOUR);
    expect(due('child-protection-assessment')).toBe(2 * DAY);
    expect((await h.db.prisma.case.findUniqueOrThrow({ where: { code: 'DN-INTAKE-CHILD' } })).isChild).toBe(true);

    const adult = await firstTasks(await h.start('DN-INTAKE-ADULT', { facts: { notifiedAt, child: false } }));
    expect(keys(adult)).toEqual(['reception', ...VERIFICATION]);
  });
});
