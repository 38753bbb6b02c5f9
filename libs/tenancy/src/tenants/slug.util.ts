export const SLUG_PATTERN = /^[a-z0-9][a-z0-9-]*[a-z0-9]$/;

/**
 * Slugs that would collide with PostgreSQL's own schemas, with our path segments
 * (`/api/v1/{slug}/...`) or with well-known subdomains.
 */
const RESERVED = new Set([
  'public', 'information-schema', 'information_schema', 'admin', 'api', 'www', 'app', 'docs', 'health', 'metrics',
  'auth', 'static', 'assets', 'mail', 'billing', 'corpus', 'chat', 'fine-tune-jobs', 'branding', 'tenants',
  'templates', 'root', 'postgres', 'system', 'default', 'tenantry', 'internal', 'status', 'support', 'v1', 'v2',
]);

/** Returns why a slug is not acceptable, or null when it is. */
export function slugProblem(slug: unknown): string | null {
  if (typeof slug !== 'string') return 'slug must be a string';
  if (slug.length < 3 || slug.length > 50) return 'slug must be 3-50 characters long';
  if (!SLUG_PATTERN.test(slug)) return 'slug may contain only lowercase letters, digits and hyphens, and must start and end with a letter or digit';
  if (slug.startsWith('pg-') || slug.startsWith('pg_')) return `slug '${slug}' is reserved (pg- prefix)`;
  if (RESERVED.has(slug)) return `slug '${slug}' is reserved`;
  return null;
}
