import { Injectable, Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { QueryRunner } from 'typeorm';
import { AppConfig } from '../../../config/src/index.js';
import { LATEST_TENANT_VERSION, migrateTenantSchema, SPARE_SCHEMA_PREFIX } from '../../../database/src/index.js';
import { TenantEvents as OutgoingEvents } from '../../../jobs/src/index.js';
import { TenantEvents } from '../context/tenant-events.js';
import { TenantSchemasRepository } from './tenant-schemas.repository.js';

export type ProvisionOutcome = 'created' | 'claimed-spare' | 'migrated' | 'already-active' | 'no-such-tenant';

/**
 * Creates tenant schemas and their roles, as the owner role. Each provisioning is one
 * transaction: the tenant row is locked, the schema and its role come from the warm pool
 * (a pre-migrated spare and its role, renamed in place) or are created, and the tenant is
 * marked active, so a crash at any instruction leaves either nothing or a complete, active
 * tenant. Running it twice is a no-op.
 */
@Injectable()
export class ProvisioningService {
  private readonly logger = new Logger(ProvisioningService.name);

  constructor(
    private readonly schemas: TenantSchemasRepository,
    private readonly config: AppConfig,
    private readonly events: TenantEvents,
    private readonly outgoing: OutgoingEvents,
  ) {}

  async provision(tenantId: string): Promise<ProvisionOutcome> {
    let activated: { slug: string } | undefined;
    const outcome = await this.schemas.transaction(async (runner): Promise<ProvisionOutcome> => {
      activated = undefined; // a retried transaction starts over
      const tenant = await this.schemas.lockForProvisioning(runner, tenantId);
      if (!tenant) return 'no-such-tenant';
      const provisioned = tenant.status !== 'provisioning' && tenant.status !== 'failed';
      if (!provisioned) activated = { slug: tenant.slug };
      if (tenant.schemaExists && tenant.roleExists && tenant.schema_version >= LATEST_TENANT_VERSION && provisioned) return 'already-active';
      let outcome: ProvisionOutcome;
      let how: Parameters<TenantSchemasRepository['materialize']>[2];
      if (tenant.schemaExists) {
        await migrateTenantSchema(runner, tenant.schema_name);
        outcome = 'migrated';
        how = tenant.roleExists ? { nothing: true } : { roleOnly: true };
      } else {
        const spare = this.config.WARM_POOL_SIZE > 0 ? await this.schemas.claimSpare(runner) : null;
        how = spare ? { spare } : { create: true };
        outcome = spare ? 'claimed-spare' : 'created';
      }
      await this.failpoints(runner);
      await this.schemas.materialize(runner, tenant, how, this.config.roleNames);
      return outcome;
    });
    if (outcome !== 'no-such-tenant') await this.events.changed({ id: tenantId, status: 'active' });
    if (activated && outcome !== 'already-active') {
      // After the commit. Losing it to a Redis outage here fails the job, whose retry finds the
      // tenant active (already-active) and sends nothing: a missed event, never a false one.
      await this.outgoing.emit(tenantId, 'tenant.provisioned', { tenant_id: tenantId, slug: activated.slug });
    }
    return outcome;
  }

  /** After the last attempt: the tenant shows `failed` and why, until someone retries. */
  async markFailed(tenantId: string, error: string): Promise<void> {
    await this.schemas.markFailed(tenantId, error);
    await this.events.changed({ id: tenantId, status: 'failed' });
  }

  /** Tops the warm pool up to WARM_POOL_SIZE spares (each with its role) at the latest version; drops outdated ones. */
  async refillPool(): Promise<number> {
    for (const name of await this.schemas.outdatedSpares()) {
      await this.schemas.transaction((runner) => this.schemas.dropSpare(runner, name));
    }
    let created = 0;
    while ((await this.schemas.spareCount()) < this.config.WARM_POOL_SIZE) {
      const name = SPARE_SCHEMA_PREFIX + randomBytes(8).toString('hex');
      await this.schemas.transaction((runner) => this.schemas.createSpare(runner, name, this.config.roleNames));
      created++;
    }
    return created;
  }

  private async failpoints(runner: QueryRunner): Promise<void> {
    const ms = Number(this.config.failpoint('provision.sleep_ms') ?? 0);
    if (ms > 0) {
      this.logger.warn(`failpoint provision.sleep_ms=${ms}: holding the provisioning transaction open`);
      await this.schemas.holdTransaction(runner, ms);
    }
    const fail = this.config.failpoint('provision.fail');
    if (fail !== undefined) {
      await sleep(1);
      throw new Error(`failpoint provision.fail: ${fail || 'injected failure'}`);
    }
  }
}
