import type { EntityManager } from 'typeorm';

export interface TenantKeyRow {
  tenant_id: string;
  key_version: number;
  wrapped_key: string;
}

// public.tenant_keys: a tenant's data keys, wrapped by a master key. Every query takes the
// EntityManager of the caller's transaction.

export async function latestKey(m: EntityManager, tenantId: string): Promise<TenantKeyRow | undefined> {
  const rows = (await m.query(
    `SELECT tenant_id, key_version, wrapped_key FROM public.tenant_keys WHERE tenant_id = $1 ORDER BY key_version DESC LIMIT 1`,
    [tenantId],
  )) as TenantKeyRow[];
  return rows[0];
}

export async function keyVersion(m: EntityManager, tenantId: string, version: number): Promise<TenantKeyRow | undefined> {
  const rows = (await m.query(`SELECT tenant_id, key_version, wrapped_key FROM public.tenant_keys WHERE tenant_id = $1 AND key_version = $2`, [
    tenantId,
    version,
  ])) as TenantKeyRow[];
  return rows[0];
}

/** Adds a version; false when another process added it first. */
export async function insertKey(m: EntityManager, row: TenantKeyRow): Promise<boolean> {
  const rows = (await m.query(
    `INSERT INTO public.tenant_keys (tenant_id, key_version, wrapped_key) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING key_version`,
    [row.tenant_id, row.key_version, row.wrapped_key],
  )) as unknown[];
  return rows.length === 1;
}

/** A tenant's keys, oldest first, locked until the transaction ends. */
export async function lockKeys(m: EntityManager, tenantId: string): Promise<TenantKeyRow[]> {
  return (await m.query(`SELECT tenant_id, key_version, wrapped_key FROM public.tenant_keys WHERE tenant_id = $1 ORDER BY key_version FOR UPDATE`, [
    tenantId,
  ])) as TenantKeyRow[];
}

/**
 * Locks the named versions of a tenant's keys against deletion (FOR KEY SHARE) until the
 * transaction ends; answers the versions that exist.
 */
export async function pinKeys(m: EntityManager, tenantId: string, versions: number[]): Promise<number[]> {
  if (versions.length === 0) return [];
  const rows = (await m.query(`SELECT key_version FROM public.tenant_keys WHERE tenant_id = $1 AND key_version = ANY($2::int[]) FOR KEY SHARE`, [
    tenantId,
    versions,
  ])) as Array<{ key_version: number }>;
  return rows.map((r) => r.key_version);
}

/** Deletes the named versions of a tenant's keys (the owner role only: the runtime role may not). */
export async function deleteKeys(m: EntityManager, tenantId: string, versions: number[]): Promise<void> {
  if (versions.length > 0) await m.query(`DELETE FROM public.tenant_keys WHERE tenant_id = $1 AND key_version = ANY($2::int[])`, [tenantId, versions]);
}

export async function rewrapKey(m: EntityManager, row: TenantKeyRow): Promise<void> {
  await m.query(`UPDATE public.tenant_keys SET wrapped_key = $3 WHERE tenant_id = $1 AND key_version = $2`, [row.tenant_id, row.key_version, row.wrapped_key]);
}

/** The tenants that have data keys. */
export async function keyedTenants(m: EntityManager): Promise<string[]> {
  const rows = (await m.query(`SELECT DISTINCT tenant_id FROM public.tenant_keys ORDER BY tenant_id`)) as Array<{ tenant_id: string }>;
  return rows.map((r) => r.tenant_id);
}

/** A tenant's settings as stored (secrets sealed), or undefined for an unknown tenant. */
export async function tenantSettings(m: EntityManager, tenantId: string): Promise<unknown> {
  const rows = (await m.query(`SELECT settings FROM public.tenants WHERE id = $1`, [tenantId])) as Array<{ settings: unknown }>;
  return rows[0]?.settings;
}

/** The tenant's settings, its row locked for the transaction (re-sealing its secrets). */
export async function lockTenantSettings(m: EntityManager, tenantId: string): Promise<Record<string, unknown>> {
  const settings = await lockTenantSettingsIfAny(m, tenantId);
  if (!settings) throw new Error(`tenant ${tenantId} not found`);
  return settings;
}

/** lockTenantSettings(), or undefined when the tenant does not exist. */
export async function lockTenantSettingsIfAny(m: EntityManager, tenantId: string): Promise<Record<string, unknown> | undefined> {
  const rows = (await m.query(`SELECT settings FROM public.tenants WHERE id = $1 FOR UPDATE`, [tenantId])) as Array<{ settings: Record<string, unknown> }>;
  return rows[0]?.settings;
}

export async function storeTenantSettings(m: EntityManager, tenantId: string, settings: Record<string, unknown>): Promise<void> {
  await m.query(`UPDATE public.tenants SET settings = $2::jsonb, updated_at = now() WHERE id = $1`, [tenantId, JSON.stringify(settings)]);
}
