/**
 * Who may scrape /metrics (API and worker): with METRICS_TOKEN, only `Authorization: Bearer
 * <token>`; without it, anyone who can reach a server bound to loopback, and nobody otherwise.
 * The figures are counts without names, but they still say how busy each province is.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export interface MetricsAccess {
  token: string | null;
  /** The server listens on loopback only. */
  open: boolean;
}

export type MetricsDecision = 'allow' | 'unauthorized' | 'closed';

export function decideMetrics(access: MetricsAccess, authorization: string | undefined): MetricsDecision {
  if (access.token === null) return access.open ? 'allow' : 'closed';
  const given = /^Bearer (.+)$/i.exec(authorization ?? '')?.[1] ?? '';
  // Equal-length digests: the comparison takes as long for any wrong token.
  const digest = (t: string) => createHash('sha256').update(t).digest();
  return timingSafeEqual(digest(given), digest(access.token)) ? 'allow' : 'unauthorized';
}

export const METRICS_REFUSALS = {
  unauthorized: 'send the metrics token as Authorization: Bearer <METRICS_TOKEN>',
  closed: 'metrics are served off loopback only with METRICS_TOKEN set',
} as const;
