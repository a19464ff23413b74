/**
 * The service's own Prometheus metrics (prom-client), one registry per process:
 * - `donghanh_tasks_overdue{province}`: tasks of active cases past a deadline, read from the
 *   database at each scrape (the same rule as the digest, src/db/task-rules.ts);
 * - `donghanh_escalations_total{step}`: ladder steps whose first messages went out (or failed)
 *   in this process;
 * - `donghanh_notification_failures_total{channel,reason}`: messages that failed for good.
 * The counters are moved by the notification activity from the outbox rows a call changed, so a
 * retried or resumed step is never counted twice; an SMS the provider later reports undelivered
 * is counted by the status webhook, once. Labels are codes and numbers, never a name.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import type { Database } from '../db/client';
import { overdueTaskWhere } from '../db/task-rules';

export interface ServiceMetrics {
  registry: Registry;
  escalations: Counter<'step'>;
  notificationFailures: Counter<'channel' | 'reason'>;
}

export function createServiceMetrics(db: Database): ServiceMetrics {
  const registry = new Registry();
  new Gauge({
    name: 'donghanh_tasks_overdue',
    help: 'Open or acknowledged tasks of active cases past their acknowledgement or completion deadline',
    labelNames: ['province'],
    registers: [registry],
    async collect() {
      this.reset();
      // A database that does not answer (or is not migrated yet) leaves the gauge empty; the other metrics still answer.
      const tasks = await db.prisma.task.findMany({ where: { case: { status: 'active' }, ...overdueTaskWhere(new Date()) }, select: { case: { select: { province: true } } } }).catch(() => []);
      const byProvince = new Map<string, number>();
      for (const t of tasks) byProvince.set(t.case.province, (byProvince.get(t.case.province) ?? 0) + 1);
      for (const [province, n] of byProvince) this.set({ province }, n);
    },
  });
  return {
    registry,
    escalations: new Counter({ name: 'donghanh_escalations_total', help: 'Escalation ladder steps notified, by step', labelNames: ['step'], registers: [registry] }),
    notificationFailures: new Counter({
      name: 'donghanh_notification_failures_total',
      help: 'Notifications that failed for good (invalid number, refused mailbox, no address, ...), by channel and reason',
      labelNames: ['channel', 'reason'],
      registers: [registry],
    }),
  };
}
