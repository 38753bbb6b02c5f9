import { setTimeout as sleep } from 'node:timers/promises';
import { DomainError } from '../../../../../libs/common/src/index.js';
import type { TenantDto, TenantsService } from '../../../../../libs/tenancy/src/index.js';

export const PROVISION_WAIT_MS = 60_000;

/** Polls until the worker has provisioned the tenant: active (or another settled status), a failure is a conflict, a silent worker unavailable. */
export async function waitUntilProvisioned(tenants: TenantsService, id: string, timeoutMs = PROVISION_WAIT_MS): Promise<TenantDto> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const tenant = await tenants.get(id);
    if (tenant.status === 'failed') throw new DomainError('conflict', 'provisioning_failed', `tenant ${tenant.slug}: provisioning failed: ${tenant.last_error ?? 'unknown error'}`);
    if (tenant.status !== 'provisioning') return tenant;
    if (Date.now() > deadline) throw new DomainError('unavailable', 'provisioning_timeout', `tenant ${tenant.slug} is still provisioning after ${timeoutMs / 1000} s: is a worker running?`);
    await sleep(100);
  }
}
