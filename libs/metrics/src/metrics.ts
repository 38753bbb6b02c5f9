import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The process's Prometheus registry and the metrics any lib may feed. Label sets are bounded
 * by construction: HTTP by method, route template (never the raw URL) and status; queues by
 * queue name and state; tenants by status. Never a tenant id or slug as a label: the top
 * tenants are found through /api/admin/usage.
 */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry, prefix: 'tenantry_' });

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

export const httpRequestDuration = new Histogram({
  name: 'tenantry_http_request_duration_seconds',
  help: 'HTTP request duration by method, route template and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [metricsRegistry],
});

/** Usage events buffered in this process and not yet flushed (the usage recorder sets it). */
export const usageBufferDepth = new Gauge({
  name: 'tenantry_usage_buffer_depth',
  help: 'usage events buffered in this process, not yet written to PostgreSQL',
  registers: [metricsRegistry],
});

/**
 * One finished HTTP request. `route` is the matched route template (`/api/tenants/:tenant`);
 * an unmatched request is `unmatched`, so a scan of random URLs adds no series.
 */
export function observeHttpRequest(method: string, route: string | undefined, status: number, seconds: number): void {
  httpRequestDuration.observe(
    { method: METHODS.has(method) ? method : 'OTHER', route: route ?? 'unmatched', status: String(status >= 100 && status < 600 ? status : 0) },
    seconds,
  );
}
