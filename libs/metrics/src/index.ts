// Metrics: the process's Prometheus registry (prom-client) and the metrics any lib feeds
// (HTTP durations, the usage buffer's depth). It must never carry an unbounded label
// (a tenant id, a raw URL). Served at /metrics by the API (libs/operations).
export { httpRequestDuration, metricsRegistry, observeHttpRequest, usageBufferDepth } from './metrics.js';
