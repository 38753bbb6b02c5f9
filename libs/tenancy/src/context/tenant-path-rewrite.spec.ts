import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { rewriteTenantPath } from './tenant-resolution.js';

const rewrite = (url: string): string => rewriteTenantPath({ url, headers: {} } as unknown as IncomingMessage);

describe('rewriteTenantPath on hostile paths', () => {
  it('strips 100,000 trailing slashes behind a long run of inner slashes in linear time', () => {
    const inner = '/'.repeat(100_000);
    const url = `/api/tenants${inner}x${'/'.repeat(100_000)}?q=1`;
    const started = performance.now();
    expect(rewrite(url)).toBe(`/api/tenants${inner}x?q=1`);
    // The old /\/+$/ took seconds here (quadratic backtracking over the inner run).
    expect(performance.now() - started).toBeLessThan(50);
  });

  it('strips every trailing slash, and a path of slashes only to empty as before', () => {
    expect(rewrite('/health///')).toBe('/health');
    expect(rewrite('/a/b/?x=/')).toBe('/a/b?x=/');
    expect(rewrite('///')).toBe('');
  });
});
