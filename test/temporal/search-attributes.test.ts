import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { msToTs } from '@temporalio/common/lib/time';
import {
  assertSearchAttributesRegistered,
  CaseCode,
  EscalationLevel,
  NextDeadline,
  StageStartedAt,
  OpenTaskAgencies,
  SEARCH_ATTRIBUTES,
  SearchAttributesMissingError,
  Stage,
} from '../../src/temporal/search-attributes';
import { connectToSuiteServer, uniqueTaskQueue } from '../support/temporal';
import { testDataConverter } from '../support/codec';
import { upsertAllSearchAttributes } from './fixtures/workflows';
import { until } from '../support/until';

describe('project search attributes on the suite dev server', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await connectToSuiteServer();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  it('are all registered (the check passes, from a connection or a client)', async () => {
    expect(SEARCH_ATTRIBUTES.map((a) => a.name)).toHaveLength(10);
    await assertSearchAttributesRegistered(env.connection, 'default');
    await assertSearchAttributesRegistered(env.client, 'default');
  });

  it('accept values of every type from a workflow upsert', async () => {
    const taskQueue = uniqueTaskQueue();
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowsPath: require.resolve('./fixtures/workflows'),
      dataConverter: testDataConverter,
    });
    const handle = await env.client.workflow.start(upsertAllSearchAttributes, { taskQueue, workflowId: randomUUID() });
    await worker.runUntil(handle.result());
    const { typedSearchAttributes: sa } = await handle.describe();
    expect(sa.get(CaseCode)).toBe('DH-2026-0001');
    expect(sa.get(Stage)).toBe('intake');
    expect(sa.get(OpenTaskAgencies)).toEqual(['police', 'health']);
    expect(sa.get(EscalationLevel)).toBe(2);
    expect(sa.get(NextDeadline)).toEqual(new Date('2026-12-01T00:00:00Z'));
    expect(sa.get(StageStartedAt)).toEqual(new Date('2026-11-28T08:00:00Z'));
  });

  /** The check's SearchAttributesMissingError, or null when it passes; other errors propagate. */
  async function checkError(namespace: string): Promise<SearchAttributesMissingError | null> {
    try {
      await assertSearchAttributesRegistered(env.connection, namespace);
      return null;
    } catch (err) {
      if (err instanceof SearchAttributesMissingError) return err;
      throw err; // e.g. the new namespace is not known yet: eventually() retries
    }
  }

  describe('in a namespace without them', () => {
    const namespace = `no-attrs-${randomUUID().slice(0, 8)}`;
    beforeAll(async () => {
      await env.connection.workflowService.registerNamespace({
        namespace,
        workflowExecutionRetentionPeriod: msToTs('1 day'),
      });
    });

    it('the check throws, naming each missing attribute and the command that creates it', async () => {
      // 'passes' rather than null, which would be polled again until the time runs out.
      const error = await eventually(async () => (await checkError(namespace)) ?? ('passes' as const));
      expect(error).toBeInstanceOf(SearchAttributesMissingError);
      if (!(error instanceof SearchAttributesMissingError)) return;
      expect(error.message).toContain(`namespace "${namespace}"`);
      for (const { name, type } of SEARCH_ATTRIBUTES) {
        expect(error.message).toContain(`${name} (${type}) is missing`);
      }
      expect(error.message).toContain(
        `temporal operator search-attribute create --namespace ${namespace} --name CaseCode --type Keyword`,
      );
      expect(error.message).toContain('--name OpenTaskAgencies --type KeywordList');
    });

    it('the check reports an attribute registered with another type', async () => {
      await env.connection.operatorService.addSearchAttributes({
        namespace,
        searchAttributes: { Stage: encodeSearchAttributeIndexedValueType('TEXT')! },
      });
      const error = await eventually(async () => {
        const e = await checkError(namespace);
        return e?.message.includes('Stage has type') ? e : undefined;
      });
      expect(error?.message).toContain('Stage has type Text, expected Keyword');
      expect(error?.message).not.toContain('Stage (Keyword) is missing');
    });
  });
});

/** A new namespace (or attribute) reaches the server's caches after a moment: retry until `fn` gives a value. */
const eventually = <T>(fn: () => Promise<T>) => until(fn, 'the server to know the namespace', { intervalMs: 200, retryErrors: true });
