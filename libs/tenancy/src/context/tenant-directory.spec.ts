import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import type { AppConfig } from '../../../config/src/index.js';
import { TenantDirectory } from './tenant-directory.js';
import type { TenantRow, TenantsRepository } from '../tenants/tenants.repository.js';

const row = (status: TenantRow['status']): TenantRow => ({ id: '00000000-0000-4000-8000-000000000001', slug: 'acme', status }) as TenantRow;

/** A repository whose lookups resolve when the test says so. */
function slowRepo() {
  const pending: Array<(r: TenantRow) => void> = [];
  let calls = 0;
  const repo = {
    findByKey: () => {
      calls++;
      return new Promise<TenantRow>((resolve) => pending.push(resolve));
    },
  } as unknown as TenantsRepository;
  return { repo, pending, calls: () => calls };
}

describe('TenantDirectory', () => {
  const config = { TENANT_CACHE_TTL_MS: 60_000 } as AppConfig;

  it('does not cache a lookup that was in flight when an invalidation arrived', async () => {
    const { repo, pending, calls } = slowRepo();
    const directory = new TenantDirectory(repo, config, undefined as never);
    const stale = directory.find('acme');
    directory.forget({ id: row('active').id, slug: 'acme', status: 'active' }); // the change commits meanwhile
    pending.shift()!(row('provisioning')); // the in-flight read saw the row from before it
    expect((await stale)?.status).toBe('provisioning');
    const fresh = directory.find('acme');
    expect(calls()).toBe(2); // not answered from the cache
    pending.shift()!(row('active'));
    expect((await fresh)?.status).toBe('active');
    expect((await directory.find('acme'))?.status).toBe('active'); // and this one is cached
    expect(calls()).toBe(2);
  });
});

describe('TenantDirectory keys', () => {
  const config = { TENANT_CACHE_TTL_MS: 60_000 } as AppConfig;
  const id = '0000000a-0000-4000-8000-00000000000b';

  it('caches every spelling of a uuid under one entry, which an invalidation drops', async () => {
    let status: TenantRow['status'] = 'active';
    let calls = 0;
    const repo = { findByKey: async () => (calls++, { id, slug: 'acme', status }) } as unknown as TenantsRepository;
    const directory = new TenantDirectory(repo, config, undefined as never);
    expect((await directory.find(id.toUpperCase()))?.status).toBe('active');
    expect((await directory.find(id))?.status).toBe('active');
    expect(calls).toBe(1);
    status = 'suspended';
    directory.forget({ id, slug: 'acme' });
    expect((await directory.find(id.toUpperCase()))?.status).toBe('suspended');
  });

  it('looks up nothing for a key that can name no tenant', async () => {
    let calls = 0;
    const repo = { findByKey: async () => (calls++, null) } as unknown as TenantsRepository;
    const directory = new TenantDirectory(repo, config, undefined as never);
    expect(await directory.find('ACME')).toBeNull();
    expect(await directory.find('a b')).toBeNull();
    expect(calls).toBe(0);
  });
});
