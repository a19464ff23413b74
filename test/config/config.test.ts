import { ConfigError, parseConfig } from '../../src/config';

test('with nothing set: the embedded local setup on 127.0.0.1, with demo data', () => {
  const cfg = parseConfig({});
  expect(cfg.temporal).toMatchObject({ embedded: true, address: '127.0.0.1:7233', uiPort: 8233, namespace: 'default' });
  expect(cfg.api).toMatchObject({ host: '127.0.0.1', port: 3000 });
  expect(cfg.mail).toMatchObject({ embedded: true, port: 1025 });
  expect(cfg.databaseUrl).toMatch(/^file:.*data\/dong-hanh\.db$/);
  expect(cfg.demoData).toBe(true);
});

test('against an external Temporal the demo directory is not seeded unless asked for', () => {
  expect(parseConfig({ TEMPORAL_ADDRESS: 'temporal.internal:7233' }).demoData).toBe(false);
  expect(parseConfig({ TEMPORAL_ADDRESS: 'temporal.internal:7233', DEMO_DATA: 'true' }).demoData).toBe(true);
});

test('every invalid setting is named at once', () => {
  const invalid = () => parseConfig({ API_PORT: '70000', JOURNEY_POLICY: 'fast' });
  expect(invalid).toThrow(ConfigError);
  expect(invalid).toThrow(/API_PORT: .*\n.*JOURNEY_POLICY: /s);
});
