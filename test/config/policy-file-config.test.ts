/**
 * JOURNEY_POLICY naming a policy file: read and validated with the rest of the configuration,
 * every mistake named with its line; a valid file's procedure is what new journeys follow.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, parseConfig } from '../../src/config';
import { createJourneyHarness, waitForState } from '../support/journey-harness';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dh-policy-config-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const example = fs.readFileSync(path.join(__dirname, '../../policies/default.yaml'), 'utf8');

/** Hồ Chí Minh City's procedure: its own id, and the reception task renamed with a 2-hour acknowledgement. */
const hcm = example
  .replace('id: vn-default', 'id: vn-hcm')
  .replace('      - key: reception\n', '      - key: tiep-nhan\n')
  .replace(/(- key: tiep-nhan\n(?:.*\n)*?\s+acknowledgeWithin:) 4h/, '$1 2h');

test('a YAML policy file is read at start and becomes the policy in force', () => {
  const file = path.join(dir, 'hcm.yaml');
  fs.writeFileSync(file, hcm);
  const cfg = parseConfig({ JOURNEY_POLICY: file });
  expect(cfg.journeyPolicy).toBe(file);
  expect(cfg.policy.id).toBe('vn-hcm');
  expect(cfg.policy.stages[0]!.tasks[0]).toMatchObject({ key: 'tiep-nhan', acknowledgeWithin: '2h' });
  expect(parseConfig({}).policy.id).toBe('vn-default');
  expect(parseConfig({ JOURNEY_POLICY: 'demo' }).policy.id).toBe('vn-default-demo');
});

test('a policy file with mistakes stops the start, naming each with its line', () => {
  const file = path.join(dir, 'broken.json');
  const policy = parseConfig({}).policy as unknown as { version: number; stages: { tasks: { ladder: string }[] }[] };
  fs.writeFileSync(file, JSON.stringify({ ...policy, version: 'two', stages: [{ ...policy.stages[0], tasks: [{ ...policy.stages[0]!.tasks[0], ladder: 'slow' }] }] }, null, 2));
  const start = () => parseConfig({ JOURNEY_POLICY: file });
  expect(start).toThrow(ConfigError);
  expect(start).toThrow(new RegExp(`JOURNEY_POLICY: .*2 problems.*\\n    ${file}:3:14 version: .*\\n    ${file}:\\d+:\\d+ stages\\[0\\]\\.tasks\\[0\\]\\.ladder: unknown ladder "slow"`));
  expect(() => parseConfig({ JOURNEY_POLICY: 'policy.txt' })).toThrow(/JOURNEY_POLICY: "default", "demo", or the path of a \.yaml/);
  expect(() => parseConfig({ JOURNEY_POLICY: path.join(dir, 'absent.yaml') })).toThrow(/absent\.yaml:1:1 cannot read the policy file/);
});

test('a journey started with the file policy follows its procedure', async () => {
  const file = path.join(dir, 'hcm-start.yml');
  fs.writeFileSync(file, hcm);
  const h = await createJourneyHarness(parseConfig({ JOURNEY_POLICY: file }).policy);
  try {
    await h.run(async () => {
      const handle = await h.start('HCM-2026-0001');
      const state = await waitForState(handle, (s) => s.tasks.some((t) => t.key === 'tiep-nhan'));
      // Verification opens with reception (the default's startsWithPrevious), in one opening.
      expect(state.tasks.map((t) => t.key)).toEqual(['tiep-nhan', 'verify-initial-information', 'police-verification']);
      const task = state.tasks[0]!;
      expect(Date.parse(task.acknowledgeDueAt) - Date.parse(task.createdAt)).toBe(2 * 3_600_000);
      expect(task.title.en).toBe('Receive the person; safety, food, accommodation, first aid, interpreter');
    });
  } finally {
    await h.teardown();
  }
});
