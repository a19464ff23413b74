/** The activities as the workflow calls them, with one retry policy: retried until they succeed. */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

export const activities = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});
