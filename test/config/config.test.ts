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

describe('an API reachable from the network', () => {
  const production = {
    TEMPORAL_ADDRESS: 'temporal.internal:7233',
    TWILIO_BASE_URL: 'https://api.twilio.com',
    TWILIO_ACCOUNT_SID: `AC${'a'.repeat(32)}`,
    TWILIO_AUTH_TOKEN: 't',
  };

  test('refuses demo keys, demo data and the local SMS gateway, naming the variables', () => {
    const start = () => parseConfig({ API_HOST: '0.0.0.0' });
    expect(start).toThrow(ConfigError);
    expect(start).toThrow(/API_HOST=0\.0\.0\.0 is not a loopback address.*API_DEV_KEYS.*DEMO_DATA.*TWILIO_BASE_URL.*ALLOW_DEMO_ON_NETWORK=true/s);
    expect(() => parseConfig({ ...production, API_HOST: '10.0.0.5', DEMO_DATA: 'true' })).toThrow(/demo data \(DEMO_DATA\) is on/);
    expect(() => parseConfig({ ...production, API_HOST: '10.0.0.5', API_DEV_KEYS: 'true' })).toThrow(/API_DEV_KEYS/);
    const { TWILIO_BASE_URL: _, ...noTwilio } = production;
    expect(() => parseConfig({ ...noTwilio, API_HOST: '10.0.0.5' })).toThrow(/local SMS gateway/);
  });

  test('runs without them, or with them when explicitly allowed (then says so)', () => {
    expect(parseConfig({ ...production, API_HOST: '0.0.0.0' }).demoOnNetwork).toEqual([]);
    const allowed = parseConfig({ API_HOST: '0.0.0.0', ALLOW_DEMO_ON_NETWORK: 'true' });
    expect(allowed.demoOnNetwork).toEqual(['demo API keys (API_DEV_KEYS)', 'demo data (DEMO_DATA)', 'the local SMS gateway (TWILIO_BASE_URL unset)']);
    for (const host of ['127.0.0.1', '127.0.1.1', 'localhost', '::1', '[::1]']) expect(parseConfig({ API_HOST: host }).demoOnNetwork).toEqual([]);
  });
});

test('programme report schedule and metrics: defaults, off, and invalid values named', () => {
  const cfg = parseConfig({});
  expect(cfg.programmeReport).toEqual({ cron: '0 7 * * 1', timeZone: 'Asia/Ho_Chi_Minh', days: 7, nationalRecipients: [] });
  expect(cfg.metrics).toEqual({ token: null, apiOpen: true, worker: null });
  expect(parseConfig({ PROGRAMME_REPORT: 'off' }).programmeReport).toBeUndefined();
  expect(parseConfig({ PROGRAMME_REPORT: '30 6 1 * *', PROGRAMME_REPORT_DAYS: '30', PROGRAMME_REPORT_NATIONAL: 'a, b' }).programmeReport).toMatchObject({ cron: '30 6 1 * *', days: 30, nationalRecipients: ['a', 'b'] });
  const network = parseConfig({ API_HOST: '0.0.0.0', ALLOW_DEMO_ON_NETWORK: 'true', WORKER_METRICS_PORT: '9464', WORKER_METRICS_HOST: '0.0.0.0', METRICS_TOKEN: 'x'.repeat(16) });
  expect(network.metrics).toEqual({ token: 'x'.repeat(16), apiOpen: false, worker: { host: '0.0.0.0', port: 9464, open: false } });
  expect(() => parseConfig({ PROGRAMME_REPORT: 'weekly' })).toThrow(/PROGRAMME_REPORT: a five-field cron/);
  expect(() => parseConfig({ PROGRAMME_REPORT_DAYS: '0' })).toThrow(/PROGRAMME_REPORT_DAYS/);
  expect(() => parseConfig({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN: at least 16/);
});

test('the smallest count shown in disaggregated figures: 5 by default, at least 2', () => {
  expect(parseConfig({}).reporting).toEqual({ minCellSize: 5 });
  expect(parseConfig({ INDICATOR_MIN_CELL_SIZE: '10' }).reporting).toEqual({ minCellSize: 10 });
  // 1 would show every count: no suppression at all.
  expect(() => parseConfig({ INDICATOR_MIN_CELL_SIZE: '1' })).toThrow(/INDICATOR_MIN_CELL_SIZE/);
  expect(() => parseConfig({ INDICATOR_MIN_CELL_SIZE: 'many' })).toThrow(/INDICATOR_MIN_CELL_SIZE/);
});
