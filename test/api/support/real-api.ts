/**
 * The API harness on the suite's real Temporal dev server, with a worker running the real
 * workflow and activities (mail to a local SMTP server).
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../../src/activities';
import { loadPolicy } from '../../../src/policy';
import { createMailer } from '../../../src/transports/email';
import { startInbox, type Inbox } from '../../support/smtp';
import { connectToSuiteServer, uniqueTaskQueue } from '../../support/temporal';
import { createApiHarness, type ApiHarness, type HarnessOptions } from './harness';

export interface RealApi {
  h: ApiHarness;
  env: TestWorkflowEnvironment;
  inbox: Inbox;
  close(): Promise<void>;
}

export async function createRealApi(opts: HarnessOptions = {}): Promise<RealApi> {
  const env = await connectToSuiteServer();
  const taskQueue = uniqueTaskQueue('api');
  const h = await createApiHarness({ policy: loadPolicy('default'), ...opts, temporal: env.client, taskQueue });
  const inbox = await startInbox();
  const mailer = createMailer({ embedded: true, host: '127.0.0.1', port: inbox.port, secure: false, user: undefined, password: undefined, from: 'Đồng Hành <no-reply@donghanh.local>', catcherWebPort: 0 });
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowsPath: require.resolve('../../../src/workflows'),
    activities: createActivities({ db: h.db, mailer, publicBaseUrl: 'http://127.0.0.1:3000' }),
  });
  const running = worker.run();
  return {
    h,
    env,
    inbox,
    async close() {
      await h.close();
      worker.shutdown();
      await running;
      mailer.close();
      await inbox.close();
      await env.teardown();
    },
  };
}

/** Polls GET /cases/:code until `ready` holds. */
export async function waitForCase<T>(h: ApiHarness, code: string, ready: (state: T) => boolean, who = 'coordinator', timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await h.call(who, 'GET', `/cases/${code}`);
    if (res.status === 200 && ready(res.body as T)) return res.body as T;
    if (Date.now() > deadline) throw new Error(`case ${code} did not reach the state; last: ${res.status} ${res.text.slice(0, 300)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
