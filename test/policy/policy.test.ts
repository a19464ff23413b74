import { OpenCase } from '../../src/journey/definitions';
import { loadPolicy } from '../../src/policy';
import { durationMs, formatDuration } from '../../src/policy/duration';
import { renderMessage } from '../../src/notifications/messages';
import { JourneyPolicy } from '../../src/policy/schema';

const issues = (value: unknown) => {
  const r = JourneyPolicy.safeParse(value);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('journey policy', () => {
  const policy = loadPolicy('default');

  test('the default follows DOMAIN.md: stages in order, verification within 3 days of the notification', () => {
    expect(policy.stages.map((s) => s.key)).toEqual([
      'reception',
      'initial-verification',
      'identification',
      'support-plan',
      'support-services',
      'reintegration',
      'follow-up',
      'closure',
    ]);
    const verification = policy.stages[1]!.tasks;
    expect(verification.filter((t) => !t.when).map((t) => [t.agency, t.completeWithin, t.clock])).toEqual([
      ['health_dept', '3d', 'case'],
      ['police', '3d', 'case'],
    ]);
    // Verification opens at the notification, alongside reception; nothing else overlaps.
    expect(policy.stages.filter((s) => s.startsWithPrevious).map((s) => s.key)).toEqual(['initial-verification']);
  });

  test('first tasks by source and for children are conditions on case facts, children with shorter deadlines', () => {
    const conditional = policy.stages.flatMap((s) => s.tasks.filter((t) => t.when).map((t) => [s.key, t.key, t.agency, t.when, t.completeWithin]));
    expect(conditional).toEqual([
      ['reception', 'border-guard-handover', 'border_guard', { notifiedBy: ['border_guard'] }, '12h'],
      ['reception', 'returnee-reception', 'health_dept', { notifiedBy: ['returned_from_abroad'] }, '1d'],
      ['reception', 'guardian-contact', 'health_dept', { child: true }, '12h'],
      ['initial-verification', 'child-protection-assessment', 'health_dept', { child: true }, '2d'],
    ]);
  });

  test('a policy written before conditions and overlapping stages parses as it ran: no condition, one stage after another', () => {
    const old = structuredClone(policy) as unknown as { stages: { startsWithPrevious?: boolean; tasks: { when?: unknown }[] }[] };
    for (const stage of old.stages) {
      delete stage.startsWithPrevious;
      stage.tasks = stage.tasks.filter((t) => !t.when);
    }
    const parsed = JourneyPolicy.parse(old);
    expect(parsed.stages.every((s) => !s.startsWithPrevious && s.tasks.every((t) => t.when === undefined))).toBe(true);
  });

  test('the demo has the same shape, one day lasting one minute', () => {
    const demo = loadPolicy('demo');
    const shape = (p: JourneyPolicy) => p.stages.map((s) => [s.key, s.tasks.map((t) => [t.key, t.agency, t.ladder])]);
    expect(shape(demo)).toEqual(shape(policy));
    expect(demo.stages[1]!.tasks[0]!.completeWithin).toBe('3m');
    expect(demo.ladders.standard!.steps.map((s) => s.after)).toEqual(['0s', '1m', '2m', '3m']);
  });

  test.each([
    ['an unknown ladder', (p: JourneyPolicy) => (p.stages[0]!.tasks[0]!.ladder = 'nope'), 'unknown ladder "nope"'],
    ['a duplicate task key', (p: JourneyPolicy) => (p.stages[1]!.tasks[1]!.key = p.stages[1]!.tasks[0]!.key), 'duplicate task key'],
    ['a malformed duration', (p: JourneyPolicy) => (p.stages[0]!.tasks[0]!.completeWithin = '3 days'), 'a duration such as'],
    ['a zero SLA', (p: JourneyPolicy) => (p.stages[0]!.tasks[0]!.acknowledgeWithin = '0h'), 'longer than zero'],
    ['a ladder out of order', (p: JourneyPolicy) => (p.ladders.standard!.steps[1]!.after = '5d'), 'increasing order'],
    ['an unknown agency kind', (p: JourneyPolicy) => ((p.stages[0]!.tasks[0] as { agency: string }).agency = 'army'), 'agency'],
    ['a first stage that starts with the previous one', (p: JourneyPolicy) => (p.stages[0]!.startsWithPrevious = true), 'stages.0.startsWithPrevious: the first stage has no stage before it'],
    ['a recurring stage that overlaps', (p: JourneyPolicy) => (p.stages.find((s) => s.repeat)!.startsWithPrevious = true), 'a recurring stage cannot overlap another'],
    ['a condition on an unknown source', (p: JourneyPolicy) => ((p.stages[0]!.tasks[0] as { when?: unknown }).when = { notifiedBy: ['neighbour'] }), 'stages.0.tasks.0.when.notifiedBy.0'],
    ['a condition on an unknown fact', (p: JourneyPolicy) => ((p.stages[0]!.tasks[0] as { when?: unknown }).when = { adult: true }), 'stages.0.tasks.0.when'],
  ])('rejects %s, naming where', (_what, breakIt, message) => {
    const broken = structuredClone(policy);
    breakIt(broken);
    expect(issues(broken).join('\n')).toContain(message);
  });
});

describe('durations', () => {
  test.each([
    ['90s', 90_000],
    ['30m', 1_800_000],
    ['4h', 14_400_000],
    ['3d', 259_200_000],
  ])('%s is %d ms and formats back', (text, ms) => {
    expect(durationMs(text)).toBe(ms);
    expect(formatDuration(ms)).toBe(text);
  });
});

describe('messages', () => {
  const facts = {
    caseCode: 'DN-2026-0001',
    task: { vi: 'Tiếp nhận', en: 'Reception' },
    phase: 'acknowledge' as const,
    level: 1,
    dueAt: '2026-11-29T14:30:00Z',
    link: 'http://127.0.0.1:3000/tasks/x',
    recipient: 'Chị Lan',
  };

  test('a reminder in Vietnamese shows the deadline in Vietnam time', () => {
    const m = renderMessage(facts, 'vi');
    expect(m.subject).toBe('Nhắc việc — hồ sơ DN-2026-0001: Tiếp nhận');
    expect(m.text).toContain('21:30');
    expect(m.text).not.toMatch(/\{\w+\}/);
  });

  test('an escalation in English says what was missed and how late', () => {
    const m = renderMessage({ ...facts, level: 3, phase: 'complete', at: '2026-12-01T15:00:00Z' }, 'en');
    expect(m.subject).toBe('Overdue 2 days — case DN-2026-0001: Reception not done');
    expect(m.text).toContain('had to be completed by');
  });
});

describe('opening a case', () => {
  test('an unknown province is named with an example of a valid code', () => {
    const r = OpenCase.safeParse({ caseCode: 'dn 1', province: 'DN', leadAgencyId: 'dn-health' });
    expect(r.success).toBe(false);
    const text = r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n');
    expect(text).toContain('province: unknown province code "DN"');
    expect(text).toContain('caseCode');
  });

  test('personal data has no place in the workflow input', () => {
    const r = OpenCase.safeParse({ caseCode: 'DN-2026-1', province: 'VN-DN', leadAgencyId: 'dn-health', name: 'Nguyễn Thị A' });
    expect(r.success).toBe(false);
  });
});

describe('transfer acceptance', () => {
  const policy = loadPolicy('default');

  test('is a task of the health department with the outcomes accepted and refused', () => {
    expect(policy.transferAcceptance).toMatchObject({ key: 'transfer-acceptance', agency: 'health_dept', clock: 'task', onlyIfPlanned: false, outcomes: { accepted: {}, refused: {} } });
  });

  test('a policy written before those fields existed (as running journeys carry it) parses to the same', () => {
    const old = structuredClone(policy) as unknown as { transferAcceptance: Record<string, unknown> };
    for (const field of ['agency', 'clock', 'onlyIfPlanned', 'requiresConsent', 'outcomes']) delete old.transferAcceptance[field];
    expect(JourneyPolicy.parse(old)).toEqual(policy);
  });

  test.each([
    ['another agency kind', { agency: 'police' }, 'transferAcceptance.agency'],
    ['another outcome', { outcomes: { accepted: {}, refused: {}, maybe: {} } }, 'transferAcceptance.outcomes'],
    ['an outcome that closes the case', { outcomes: { accepted: {}, refused: { closesCase: 'deceased' } } }, 'transferAcceptance.outcomes.refused'],
    ['a plan', { plans: 'support-services' }, 'transferAcceptance.plans'],
  ])('rejects %s: the workflow reads exactly these', (_what, change, path) => {
    const broken = structuredClone(policy);
    Object.assign(broken.transferAcceptance, change);
    expect(issues(broken).join('\n')).toContain(path);
  });
});

describe('shelter placement and closure approval', () => {
  const policy = loadPolicy('default');
  const shelter = () => policy.stages.flatMap((s) => s.tasks).find((t) => t.key === 'shelter-placement')!;

  test('the default places shelter tasks until reintegration and asks a manager to approve closures', () => {
    expect(shelter().placement).toEqual({ facility: 'shelter', releaseAtStage: 'reintegration' });
    expect(policy.closureApproval).toMatchObject({ key: 'closure-approval', agency: 'health_dept', role: 'manager', outcomes: { approved: {}, rejected: {} } });
    expect(policy.stages.flatMap((s) => s.tasks).filter((t) => t.closureNeedsApproval).map((t) => t.key)).toEqual(['case-closure']);
  });

  test('a policy written before these fields existed parses without them: no placement, closure at once', () => {
    const old = structuredClone(policy) as unknown as { closureApproval?: unknown; stages: { tasks: { placement?: unknown; closureNeedsApproval?: boolean }[] }[] };
    delete old.closureApproval;
    for (const stage of old.stages) for (const task of stage.tasks) delete task.placement, delete task.closureNeedsApproval;
    const parsed = JourneyPolicy.parse(old);
    expect(parsed.closureApproval).toBeUndefined();
    expect(parsed.stages.flatMap((s) => s.tasks).some((t) => t.placement)).toBe(false);
  });

  test.each([
    ['an unknown release stage', (p: JourneyPolicy) => (shelterOf(p).placement = { facility: 'shelter', releaseAtStage: 'nowhere' }), 'placement.releaseAtStage: unknown stage "nowhere"'],
    ['an unknown facility kind', (p: JourneyPolicy) => ((shelterOf(p) as { placement: unknown }).placement = { facility: 'hotel' }), 'placement.facility'],
    ['a task asking approval without closureApproval', (p: JourneyPolicy) => delete p.closureApproval, 'closureNeedsApproval: needs the policy\'s closureApproval'],
    ['a task that never closes the case', (p: JourneyPolicy) => (p.stages[0]!.tasks[0]!.closureNeedsApproval = true), 'stages.0.tasks.0.closureNeedsApproval: the task has no outcome that closes the case'],
    ['an approval by another role', (p: JourneyPolicy) => ((p.closureApproval as { role: string }).role = 'coordinator'), 'closureApproval.role'],
    ['an unknown approval ladder', (p: JourneyPolicy) => (p.closureApproval!.ladder = 'nope'), 'closureApproval.ladder: unknown ladder'],
  ])('rejects %s, naming where', (_what, breakIt, message) => {
    const broken = structuredClone(policy);
    breakIt(broken);
    expect(issues(broken).join('\n')).toContain(message);
  });
});

const shelterOf = (p: JourneyPolicy) => p.stages.flatMap((s) => s.tasks).find((t) => t.key === 'shelter-placement')!;
