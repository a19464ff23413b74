import path from 'node:path';
import { projectRoot, resolveTemporalCli, resolveTestServer } from '../../src/local/temporal-binaries';

const root = path.resolve(__dirname, '..', '..');

describe('Temporal binaries', () => {
  it('finds the repository root from src/', () => {
    expect(projectRoot()).toBe(root);
  });

  it('resolves both servers to the project tools folder installed by setup', () => {
    expect(resolveTemporalCli()).toEqual({ type: 'existing-path', path: path.join(root, 'tools/bin/temporal') });
    expect(resolveTestServer()).toEqual({
      type: 'existing-path',
      path: path.join(root, 'tools/bin/temporal-test-server'),
    });
  });

  it('prefers an explicit override, made absolute', () => {
    const relative = path.relative(process.cwd(), path.join(root, 'tools/bin/temporal-test-server'));
    expect(resolveTemporalCli(relative)).toEqual({
      type: 'existing-path',
      path: path.join(root, 'tools/bin/temporal-test-server'),
    });
  });

  it('rejects an override that points nowhere, naming the setting', () => {
    expect(() => resolveTemporalCli('/nonexistent/temporal')).toThrow(/TEMPORAL_CLI_PATH=\/nonexistent\/temporal/);
    expect(() => resolveTestServer('/nonexistent/ts')).toThrow(/TEMPORAL_TEST_SERVER_PATH/);
  });
});
