import { Injectable, Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { QueryRunner } from 'typeorm';
import { AppConfig } from '../../../config/src/index.js';
import {
  createTenantRoleSql,
  createTenantSchemaSql,
  dropTenantRoleSql,
  LATEST_TENANT_VERSION,
  migrateTenantSchema,
  OwnerDb,
  quoteIdent,
  quoteLiteral,
  SPARE_SCHEMA_PREFIX,
  tenantRoleName,
} from '../../../database/src/index.js';
import { TenantEvents } from '../tenant-events.js';

export type ProvisionOutcome = 'created' | 'claimed-spare' | 'migrated' | 'already-active' | 'no-such-tenant';

interface LockedTenant {
  id: string;
  slug: string;
  schema_name: string;
  status: string;
  schema_version: number;
  schema_exists: boolean;
  role_exists: boolean;
}

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
    private readonly owner: OwnerDb,
    private readonly config: AppConfig,
    private readonly events: TenantEvents,
  ) {}

  async provision(tenantId: string): Promise<ProvisionOutcome> {
    const outcome = await this.inTransaction(async (runner) => {
      const rows = (await runner.query(
        `SELECT t.id, t.slug, t.schema_name, t.status, t.schema_version FROM public.tenants t WHERE t.id = $1 FOR UPDATE`,
        [tenantId],
      )) as Array<Omit<LockedTenant, 'schema_exists'>>;
      if (!rows[0]) return 'no-such-tenant' as const;
      // Asked only once the row lock is held, in a statement of its own: a statement that waited
      // for the lock sees the tenant row as the concurrent provisioning left it (active) but
      // pg_namespace as of before the wait (no schema), and would create the schema twice.
      const role = tenantRoleName(rows[0].id);
      const exists = (await runner.query(
        `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS schema_exists, EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $2) AS role_exists`,
        [rows[0].schema_name, role],
      )) as Array<{ schema_exists: boolean; role_exists: boolean }>;
      const tenant: LockedTenant = { ...rows[0], schema_exists: exists[0]?.schema_exists === true, role_exists: exists[0]?.role_exists === true };
      if (
        tenant.schema_exists &&
        tenant.role_exists &&
        tenant.schema_version >= LATEST_TENANT_VERSION &&
        tenant.status !== 'provisioning' &&
        tenant.status !== 'failed'
      ) {
        return 'already-active' as const;
      }
      let outcome: ProvisionOutcome;
      let sql: string;
      if (tenant.schema_exists) {
        await migrateTenantSchema(runner, tenant.schema_name);
        outcome = 'migrated';
        sql = tenant.role_exists ? '' : `${createTenantRoleSql(role, tenant.schema_name, this.config.appRoleName)};\n`;
      } else {
        const spare = this.config.WARM_POOL_SIZE > 0 ? await this.claimSpare(runner) : null;
        sql = spare
          ? `ALTER SCHEMA ${quoteIdent(spare)} RENAME TO ${quoteIdent(tenant.schema_name)};\nALTER ROLE ${quoteIdent(spare)} RENAME TO ${quoteIdent(role)};\n`
          : `${createTenantSchemaSql(tenant.schema_name)};\n${createTenantRoleSql(role, tenant.schema_name, this.config.appRoleName)};\n`;
        outcome = spare ? 'claimed-spare' : 'created';
      }
      await this.failpointSleep(runner);
      await runner.query(
        `${sql}UPDATE public.tenants SET schema_version = ${LATEST_TENANT_VERSION}, last_error = NULL, updated_at = now(),
           status = CASE WHEN status IN ('provisioning', 'failed') THEN 'active' ELSE status END
         WHERE id = ${quoteLiteral(tenant.id)}`,
      );
      return outcome;
    });
    if (outcome !== 'no-such-tenant') await this.events.changed({ id: tenantId, status: 'active' });
    return outcome;
  }

  /** After the last attempt: the tenant shows `failed` and why, until someone retries. */
  async markFailed(tenantId: string, error: string): Promise<void> {
    await this.owner.query(
      `UPDATE public.tenants SET status = 'failed', last_error = $2, updated_at = now() WHERE id = $1 AND status = 'provisioning'`,
      [tenantId, error.slice(0, 2000)],
    );
    await this.events.changed({ id: tenantId, status: 'failed' });
  }

  private async claimSpare(runner: QueryRunner): Promise<string | null> {
    const rows = (await runner.query(
      `DELETE FROM public.schema_pool WHERE schema_name = (
         SELECT schema_name FROM public.schema_pool WHERE schema_version = $1
          ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
       RETURNING schema_name`,
      [LATEST_TENANT_VERSION],
    )) as [Array<{ schema_name: string }>, number];
    return rows[0][0]?.schema_name ?? null;
  }

  /** Tops the warm pool up to WARM_POOL_SIZE spares (each with its role) at the latest version; drops outdated ones. */
  async refillPool(): Promise<number> {
    const outdated = (await this.owner.query(`SELECT schema_name FROM public.schema_pool WHERE schema_version <> $1`, [
      LATEST_TENANT_VERSION,
    ])) as Array<{ schema_name: string }>;
    for (const { schema_name } of outdated) {
      await this.inTransaction(async (runner) => {
        const gone = (await runner.query(`DELETE FROM public.schema_pool WHERE schema_name = $1 RETURNING 1`, [schema_name])) as [
          unknown[],
          number,
        ];
        if (gone[1] > 0) await runner.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema_name)} CASCADE;\n${dropTenantRoleSql(schema_name)}`);
      });
    }
    let created = 0;
    for (;;) {
      const rows = await this.owner.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM public.schema_pool`);
      if ((rows[0]?.n ?? 0) >= this.config.WARM_POOL_SIZE) return created;
      const name = SPARE_SCHEMA_PREFIX + randomBytes(8).toString('hex');
      await this.inTransaction((runner) =>
        runner.query(
          `${createTenantSchemaSql(name)};\n${createTenantRoleSql(name, name, this.config.appRoleName)};\nINSERT INTO public.schema_pool (schema_name, schema_version) VALUES (${quoteLiteral(name)}, ${LATEST_TENANT_VERSION})`,
        ),
      );
      created++;
    }
  }

  private async failpointSleep(runner: QueryRunner): Promise<void> {
    const ms = Number(this.config.failpoint('provision.sleep_ms') ?? 0);
    if (ms > 0) {
      this.logger.warn(`failpoint provision.sleep_ms=${ms}: holding the provisioning transaction open`);
      await runner.query(`SELECT pg_sleep($1)`, [ms / 1000]);
    }
    const fail = this.config.failpoint('provision.fail');
    if (fail !== undefined) {
      await sleep(1);
      throw new Error(`failpoint provision.fail: ${fail || 'injected failure'}`);
    }
  }

  private inTransaction<T>(fn: (runner: QueryRunner) => Promise<T>): Promise<T> {
    return this.owner.transaction(fn);
  }
}
