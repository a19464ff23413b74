/** Activities: thin adapters over the database and the transports, built from their dependencies. */
import type { Database } from '../db/client';
import type { Mailer } from '../transports/email';
import { escalationActivities } from './escalations';
import { recordActivities } from './records';

export interface ActivityDeps {
  db: Database;
  mailer: Mailer;
  publicBaseUrl: string;
}

export function createActivities(deps: ActivityDeps) {
  return { ...recordActivities(deps.db), ...escalationActivities(deps) };
}

export type Activities = ReturnType<typeof createActivities>;
