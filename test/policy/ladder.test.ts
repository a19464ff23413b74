/** Ladder arithmetic: when each escalation step fires, which step it sends, and when quiet hours no longer hold it. */
import { loadPolicy } from '../../src/policy';
import { escalationOffsetMs, escalationStep, escalationStepFrom, finalLevel, isUrgentStep } from '../../src/policy/ladder';
import { EscalationLadder } from '../../src/policy/schema';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const { standard, urgent } = loadPolicy('default').ladders as Record<string, EscalationLadder>;

test('steps fire at their "after", then the last one repeats every repeatEvery', () => {
  expect([1, 2, 3, 4, 5, 6].map((level) => escalationOffsetMs(standard!, level))).toEqual([0, DAY, 2 * DAY, 3 * DAY, 4 * DAY, 5 * DAY]);
  expect([1, 4, 5, 7].map((level) => escalationOffsetMs(urgent!, level))).toEqual([0, 8 * HOUR, 12 * HOUR, 20 * HOUR]);
});

test('past the top of the ladder, the last step is sent again', () => {
  expect(escalationStep(standard!, 1).notify).toEqual(['assignee']);
  expect(escalationStep(standard!, 2).notify).toEqual(['supervisor']);
  expect(escalationStep(standard!, 4).notify).toEqual(['coordinator', 'manager']);
  expect(escalationStep(standard!, 9)).toBe(standard!.steps[3]);
});

test('urgent steps and the top of the ladder ignore quiet hours', () => {
  const calm = EscalationLadder.parse({
    steps: [
      { after: '0s', notify: ['assignee'], channels: ['email'] },
      { after: '1d', notify: ['manager'], channels: ['email'] },
    ],
    repeatEvery: '1d',
  });
  expect([1, 2, 3].map((level) => isUrgentStep(calm, level))).toEqual([false, true, true]);
  expect([1, 2, 3, 4].map((level) => isUrgentStep(standard!, level))).toEqual([false, false, false, true]);
  expect(isUrgentStep(urgent!, 1)).toBe(true);
  // The step as it fired decides, not the ladder's current first step.
  expect(isUrgentStep(calm, 1, { ...calm.steps[0]!, urgent: true })).toBe(true);
});

test('a step reached by jumping over others tells the people of every step it passed over', () => {
  // A task that opens two days late on the urgent ladder jumps from level 1 to a repeat of the top.
  const late = escalationStepFrom(urgent!, 1, 9);
  expect(late.notify).toEqual(['assignee', 'supervisor', 'focal_point', 'coordinator', 'manager']);
  expect(late.channels).toEqual(['email', 'sms']);
  expect(late.urgent).toBe(true);
  expect(escalationStepFrom(standard!, 2, 3)).toMatchObject({ notify: ['supervisor', 'focal_point'], after: '2d' });
  // A step reached in its turn, or a repeat after the top, sends its own people only.
  expect(escalationStepFrom(standard!, 3, 3)).toBe(standard!.steps[2]);
  expect(escalationStepFrom(standard!, 5, 6)).toBe(standard!.steps[3]);
});

test('the top step repeats at most maxRepeats times; a ladder written before the cap gets the default', () => {
  expect([standard!.maxRepeats, urgent!.maxRepeats]).toEqual([3, 6]);
  expect([finalLevel(standard!), finalLevel(urgent!)]).toEqual([7, 10]);
  const old = EscalationLadder.parse({ steps: [{ after: '0s', notify: ['assignee'], channels: ['email'] }], repeatEvery: '1d' });
  expect(old.maxRepeats).toBe(3);
  expect(EscalationLadder.safeParse({ ...old, maxRepeats: -1 }).success).toBe(false);
});
