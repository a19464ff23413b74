/** The notification part of the activities' dependencies, from configuration (main.ts and worker.ts). */
import type { ActivityDeps } from '.';
import type { ActionLinks } from '../auth/action-links';
import type { TaskLinks } from '../auth/task-links';
import type { Config } from '../config';
import { taskPolicyOf } from '../policy/tasks';
import { createSmsSender } from '../transports/sms';
import { SMS_STATUS_PATH } from '../notifications/sms-status';

export function notificationDeps(cfg: Config, actionLinks?: ActionLinks, taskLinks?: TaskLinks): Omit<ActivityDeps, 'db' | 'mailer' | 'publicBaseUrl'> {
  const n = cfg.notifications;
  const policy = cfg.policy;
  return {
    sms: createSmsSender(n.sms),
    mailFrom: cfg.mail.from,
    smsStatusCallbackUrl: `${cfg.api.publicBaseUrl.replace(/\/+$/, '')}${SMS_STATUS_PATH}`,
    quietHours: n.quietHours,
    smsMaxSegments: n.sms.maxSegments,
    taskTitle: (key) => taskPolicyOf(policy, key)?.title ?? { vi: key, en: key },
    actionLink: actionLinks && ((request) => actionLinks.sign(request).url),
    taskLink: taskLinks && ((prisma, request) => taskLinks.issue(prisma, request)),
    policy,
    nationalReportRecipients: cfg.programmeReport?.nationalRecipients ?? [],
    replyOutcomes: (key) => {
      const task = taskPolicyOf(policy, key);
      return task?.plans ? 'plan' : Object.keys(task?.outcomes ?? {});
    },
  };
}
