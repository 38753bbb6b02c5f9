// The four ways a tenant-scoped request can name its tenant (DESIGN.md, "Tenant resolution"),
// as request targets for the tiny client in http.ts.
import { TEST_BASE_DOMAIN } from './stack.js';

export type Strategy = 'header-id' | 'header-slug' | 'subdomain' | 'path';
export const STRATEGIES: readonly Strategy[] = ['header-id', 'header-slug', 'subdomain', 'path'];

export interface TenantKey {
  id: string;
  slug: string;
}

export interface Target {
  path: string;
  headers: Record<string, string>;
}

/**
 * `/api/v1/corpus/documents{rest}` addressed to `tenant` by `strategy`. `rest` is what
 * follows the collection path (`''`, `/<id>`, `?limit=100`).
 */
export function documentsVia(strategy: Strategy, tenant: TenantKey, rest = ''): Target {
  const plain = `/api/v1/corpus/documents${rest}`;
  switch (strategy) {
    case 'header-id':
      return { path: plain, headers: { 'x-tenant-id': tenant.id } };
    case 'header-slug':
      return { path: plain, headers: { 'x-tenant-slug': tenant.slug } };
    case 'subdomain':
      return { path: plain, headers: { host: `${tenant.slug}.${TEST_BASE_DOMAIN}` } };
    case 'path':
      return { path: `/api/v1/${tenant.slug}/corpus/documents${rest}`, headers: {} };
  }
}

/** The Host header that resolves `slug` by subdomain. */
export const tenantHost = (slug: string): string => `${slug}.${TEST_BASE_DOMAIN}`;
