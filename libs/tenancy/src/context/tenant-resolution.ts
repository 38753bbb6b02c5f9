import type { IncomingMessage } from 'node:http';
import { SLUG_PATTERN } from '../tenants/slug.util.js';

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

/** Every value of a header: repeated headers arrive joined by commas (or as an array). */
function headerValues(req: IncomingMessage, name: string): string[] {
  const value = req.headers[name];
  const all = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return all.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
}

/**
 * Every way a tenant-scoped request names its tenant: X-Tenant-ID and X-Tenant-Slug (each
 * value of repeated headers), a subdomain of BASE_DOMAIN, the `/api/v1/{slug}/` prefix.
 * None has priority: the caller must check they all name the same tenant.
 */
export function tenantCandidates(req: IncomingMessage, baseDomain: string | undefined): TenantCandidate[] {
  const candidates: TenantCandidate[] = [
    ...headerValues(req, 'x-tenant-id').map((key) => ({ key, source: 'header' as const })),
    ...headerValues(req, 'x-tenant-slug').map((key) => ({ key, source: 'header' as const })),
  ];
  if (baseDomain) {
    const host = (headerValues(req, 'host')[0] ?? '').toLowerCase().replace(/:\d+$/, '');
    const suffix = `.${baseDomain.toLowerCase()}`;
    if (host.endsWith(suffix)) {
      const sub = host.slice(0, -suffix.length);
      if (sub && !sub.includes('.')) candidates.push({ key: sub, source: 'subdomain' });
    }
  }
  const fromPath = (req as IncomingMessage & { [PATH_TENANT]?: string })[PATH_TENANT];
  if (fromPath) candidates.push({ key: fromPath, source: 'path' });
  return candidates;
}

/**
 * The request's host when it could be a tenant's custom domain: a dotted name that is neither
 * BASE_DOMAIN nor under it, nor an IP address or localhost. Whether a tenant claims it is the
 * directory's question (public.tenant_domains); a host nobody claims names no tenant.
 */
export function customDomainCandidate(req: IncomingMessage, baseDomain: string | undefined): string | undefined {
  const host = (headerValues(req, 'host')[0] ?? '').toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '');
  if (!host.includes('.') || host.length > 253 || !/^[a-z0-9.-]+$/.test(host) || /^[\d.]+$/.test(host)) return undefined;
  if (baseDomain) {
    const base = baseDomain.toLowerCase();
    if (host === base || host.endsWith(`.${base}`)) return undefined;
  }
  return host;
}
