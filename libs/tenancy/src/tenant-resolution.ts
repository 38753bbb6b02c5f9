import type { IncomingMessage } from 'node:http';
import { SLUG_PATTERN } from './slug.util.js';

/** First path segments under /api/v1 that are routes, not tenant slugs. */
export const V1_ROUTE_SEGMENTS = new Set(['auth', 'corpus', 'chat', 'fine-tune-jobs', 'branding']);

const PATH_TENANT = Symbol('tenantry.pathTenant');
const V1_PREFIXED = /^\/api\/v1\/([^/?#]+)(\/[^?#]*)(\?.*)?$/;

/**
 * Fastify `rewriteUrl`: `/api/v1/{slug}/rest` becomes `/api/v1/rest`, remembering the slug
 * on the raw request (a symbol, so no client header can fake it). Also drops a trailing
 * slash so `/api/tenants/` routes like `/api/tenants`.
 */
export function rewriteTenantPath(req: IncomingMessage): string {
  let url = req.url ?? '/';
  const m = V1_PREFIXED.exec(url);
  if (m && m[1] && m[2] && m[2] !== '/' && !V1_ROUTE_SEGMENTS.has(m[1]) && SLUG_PATTERN.test(m[1])) {
    (req as IncomingMessage & { [PATH_TENANT]?: string })[PATH_TENANT] = m[1];
    url = `/api/v1${m[2]}${m[3] ?? ''}`;
  }
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  if (path.length > 1 && path.endsWith('/')) {
    // A loop, not /\/+$/: that regex backtracks quadratically on `/a////…//x/`.
    let end = path.length;
    while (end > 0 && path.charCodeAt(end - 1) === 0x2f) end--;
    url = path.slice(0, end) + (q === -1 ? '' : url.slice(q));
  }
  return url;
}

export interface TenantCandidate {
  key: string;
  source: 'header' | 'subdomain' | 'path';
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first?.trim() || undefined;
}

/**
 * The tenant a tenant-scoped request names, in priority order: X-Tenant-ID or
 * X-Tenant-Slug, then a subdomain of BASE_DOMAIN, then the `/api/v1/{slug}/` prefix.
 */
export function tenantCandidate(req: IncomingMessage, baseDomain: string | undefined): TenantCandidate | null {
  const id = header(req, 'x-tenant-id') ?? header(req, 'x-tenant-slug');
  if (id) return { key: id, source: 'header' };
  if (baseDomain) {
    const host = (header(req, 'host') ?? '').toLowerCase().replace(/:\d+$/, '');
    const suffix = `.${baseDomain.toLowerCase()}`;
    if (host.endsWith(suffix)) {
      const sub = host.slice(0, -suffix.length);
      if (sub && !sub.includes('.')) return { key: sub, source: 'subdomain' };
    }
  }
  const fromPath = (req as IncomingMessage & { [PATH_TENANT]?: string })[PATH_TENANT];
  if (fromPath) return { key: fromPath, source: 'path' };
  return null;
}
