/**
 * One /metrics answer: the Temporal SDK's runtime metrics (served by the SDK's own Prometheus
 * exporter on a loopback port, src/metrics/sdk-runtime.ts) followed by the service's own.
 * Both use the Prometheus text format; their names do not overlap (temporal_…, donghanh_…).
 */
import type { Registry } from 'prom-client';

export interface MetricsExposition {
  contentType: string;
  text(): Promise<string>;
}

export function metricsExposition(registry: Registry, sdkMetricsUrl?: string): MetricsExposition {
  return {
    contentType: registry.contentType,
    async text() {
      const [sdk, own] = await Promise.all([sdkMetricsUrl ? sdkText(sdkMetricsUrl) : '', registry.metrics()]);
      return `${sdk}${sdk && !sdk.endsWith('\n') ? '\n' : ''}${own}`;
    },
  };
}

async function sdkText(url: string): Promise<string> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(3_000) });
    return res.ok ? await res.text() : '';
  } catch {
    // Our own metrics still answer while the SDK's exporter does not.
    return '';
  }
}
