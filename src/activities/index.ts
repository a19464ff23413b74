/** Activities: thin adapters over the database and the transports, built from their dependencies. */
import type { Database } from '../db/client';
import type { ServiceMetrics } from '../metrics/service-metrics';
import type { TaskLinkIssuer } from '../notifications/delivery';
import type { QuietHours } from '../notifications/quiet-hours';
import type { Channel, JourneyPolicy } from '../policy/schema';
import type { Mailer } from '../transports/email';
import type { SmsSender } from '../transports/sms';
import { escalationActivities } from './escalations';
import { placementActivities } from './placements';
import { recordActivities } from './records';
import { reportActivities } from './reports';

export interface ActivityDeps {
  db: Database;
  mailer: Mailer;
  publicBaseUrl: string;
  /** Notifications; all optional: without `sms` the SMS channel falls back to email. */
  sms?: SmsSender;
  mailFrom?: string;
  /** Absolute URL of POST /webhooks/sms-status, which Twilio must be able to reach. */
  smsStatusCallbackUrl?: string;
  /** Default quiet hours of recipients; undefined = none. */
  quietHours?: QuietHours;
  smsMaxSegments?: number;
  /** Digest task titles by task key. */
  taskTitle?: (key: string) => { vi: string; en: string };
  /** Signs one-click acknowledge links for emails (src/auth/action-links.ts); none when absent. */
  actionLink?: (request: { action: 'acknowledge'; taskId: string; staffId: string; agencyId: string }) => string;
  /** Records a short task link for one recipient (src/auth/task-links.ts); messages link to /tasks/… when absent. */
  taskLink?: TaskLinkIssuer;
  /** The policy in force: which tasks count toward the programme report's indicators. Default: the built-in one. */
  policy?: JourneyPolicy;
  /** Staff ids of the managers who get the national programme report. */
  nationalReportRecipients?: readonly string[];
  /** This process's metrics: escalations and failed notifications are counted when given. */
  metrics?: ServiceMetrics;
  /** A task's outcome words for SMS replies, or 'plan' (src/notifications/delivery.ts). */
  replyOutcomes?: (taskKey: string) => readonly string[] | 'plan';
  /** Test hook only: runs between a provider's acceptance and the record of it. */
  afterProviderAccepted?: (notificationId: string, channel: Channel) => void | Promise<void>;
}

export function createActivities(deps: ActivityDeps) {
  const reports = reportActivities({ db: deps.db, mailer: deps.mailer, mailFrom: deps.mailFrom, policy: deps.policy, nationalRecipients: deps.nationalReportRecipients });
  return { ...recordActivities(deps.db), ...placementActivities(deps.db), ...escalationActivities(deps), ...reports };
}

export type Activities = ReturnType<typeof createActivities>;
