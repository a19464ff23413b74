/**
 * Escalation at the edges of the ladder, on the time-skipping server with the real activities,
 * SQLite and SMTP (the clocks here run for days, too long for the HTTP API on the dev server): a
 * task that opens already late still reaches its own agency's people, and the top step stops
 * repeating after the ladder's `maxRepeats` while the task stays overdue for the digest.
 */
import { journeyStateQuery, type JourneyState } from '../../src/journey/definitions';
import { sendDailyDigests } from '../../src/notifications/digest';
import { mailerFor } from '../support/smtp';
import { createJourneyHarness, DAY, HOUR, MINUTE, PUBLIC_BASE_URL, waitForState, type JourneyHarness } from '../support/journey-harness';
import { recipientsOf } from '../support/smtp';
import { until } from '../support/until';

let h: JourneyHarness;
beforeAll(async () => {
  h = await createJourneyHarness();
});
afterAll(() => h?.teardown());
beforeEach(() => {
  h.inbox.messages.length = 0;
});

const emailsOf = async (agencyId: string, roles: string[]) =>
  (await h.db.prisma.staffMember.findMany({ where: { agencyId, role: { in: roles } } })).map((s) => s.email!).sort();
const mailedTo = (caseCode: string, taskTitle: string) =>
  new Set(h.inbox.messages.filter((m) => m.subject?.includes(caseCode) && m.subject.includes(taskTitle)).flatMap(recipientsOf));


test('a verification task that opens already late reaches its own agency’s assignee, supervisor and focal point', async () => {
  await h.run(async () => {
    // Recorded three and a half days after the notification: the verification tasks' 3 days have run out as they open.
    const notifiedAt = new Date((await h.env.currentTimeMs()) - 3 * DAY - 12 * HOUR).toISOString();
    const handle = await h.start('DN-LATE-001', { facts: { notifiedAt, notifiedBy: 'police' } });
    const state = await waitForState(handle, (s) => s.tasks.some((t) => t.key === 'police-verification'));
    const police = state.tasks.find((t) => t.key === 'police-verification')!;
    expect(police.agencyId).toBe('dn-police');
    expect(Date.parse(police.completeDueAt)).toBeLessThan(await h.env.currentTimeMs());

    const own = await emailsOf('dn-police', ['caseworker', 'supervisor', 'focal_point']);
    const lead = await emailsOf('dn-health', ['coordinator', 'manager']);
    const title = 'Phối hợp xác minh (công an tỉnh)';
    await until(() => [...own, ...lead].every((e) => mailedTo('DN-LATE-001', title).has(e)), 'the late task’s messages');
    // One step, the one due now, sent once to everyone the ladder passed over.
    const levels = await h.db.prisma.notification.findMany({ where: { taskId: police.id }, select: { level: true } });
    expect(new Set(levels.map((l) => l.level)).size).toBe(1);
    await handle.terminate('test finished');
  });
});

test('the top step repeats at most maxRepeats times; the task stays overdue and in the daily digest', async () => {
  const urgent = h.policy.ladders.urgent!;
  expect(urgent.maxRepeats).toBe(6);
  await h.run(async () => {
    const handle = await h.start('DN-CAP-001');
    const reception = (await waitForState(handle, (s: JourneyState) => s.tasks.length > 0)).tasks[0]!;
    const due = Date.parse(reception.acknowledgeDueAt);
    const top = await emailsOf('dn-health', ['coordinator', 'manager']);
    // Reception's own: the verification tasks that opened with it climb their ladders too.
    const title = h.policy.stages[0]!.tasks[0]!.title.vi;
    const topMails = () => h.inbox.messages.filter((m) => m.subject?.includes('DN-CAP-001') && m.subject.includes(title) && top.some((e) => recipientsOf(m).includes(e)));

    // The top step at +8h, then six repeats every 4h: the last at +32h.
    await h.env.sleep(due + 32 * HOUR + MINUTE - (await h.env.currentTimeMs()));
    await until(() => topMails().length === top.length * 7 || undefined, 'seven rounds of the top step');
    await h.env.sleep(3 * DAY);
    await new Promise((r) => setTimeout(r, 500));
    expect(topMails()).toHaveLength(top.length * 7);
    expect((await handle.query(journeyStateQuery)).tasks[0]!.escalationLevel).toBe(urgent.steps.length + 6);

    const mailer = mailerFor(h.inbox);
    try {
      const report = await sendDailyDigests(
        { db: h.db, mailer, publicBaseUrl: PUBLIC_BASE_URL, taskTitle: () => ({ vi: 'Tiếp nhận', en: 'Reception' }) },
        { until: new Date(await h.env.currentTimeMs()).toISOString() },
      );
      expect(report.provinces.find((p) => p.province === 'VN-DN')?.stalled).toBeGreaterThanOrEqual(1);
      const digest = h.inbox.messages.find((m) => m.subject?.startsWith('Tổng hợp ngày') && m.text?.includes('DN-CAP-001'));
      expect(digest).toBeDefined();
    } finally {
      mailer.close();
    }
    await handle.terminate('test finished');
  });
});
