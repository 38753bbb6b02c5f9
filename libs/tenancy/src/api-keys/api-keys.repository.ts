import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { queryPage } from '../../../database/src/index.js';

export interface ApiKeyRow {
  id: string;
  tenant_id: string;
  name: string;
  prefix: string;
  kind: 'secret' | 'widget';
  scopes: string[];
  tenant_scope: string;
  created_by: string | null;
  expires_at: Date | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
  created_at: Date;
}

const COLUMNS = `id, tenant_id, name, prefix, kind, scopes, tenant_scope, created_by, expires_at, last_used_at, revoked_at, created_at`;

export interface NewApiKeyRow {
  tenantId: string;
  tenantScope: string;
  name: string;
  prefix: string;
  hash: Buffer;
  kind: 'secret' | 'widget';
  scopes: readonly string[];
  createdBy: string;
  expiresAt: string | null;
}

/** A tenant's API keys (public.api_keys); the key hash is written here and never read back. */
@Injectable()
export class ApiKeysRepository {
  constructor(private readonly dataSource: DataSource) {}

  transaction<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /**
   * Inserts the key unless the tenant already has `max_api_keys` active (unrevoked, unexpired)
   * keys: the tenant row is locked first, so concurrent creates cannot overshoot the limit.
   * Answers the limit when refused.
   */
  async insertWithinLimit(m: EntityManager, k: NewApiKeyRow): Promise<ApiKeyRow | { limit: number }> {
    const [tenant] = (await m.query(`SELECT max_api_keys FROM public.tenants WHERE id = $1 FOR UPDATE`, [k.tenantId])) as Array<{ max_api_keys: number }>;
    const limit = tenant?.max_api_keys ?? 0;
    const [{ n }] = (await m.query(
      `SELECT count(*)::int AS n FROM public.api_keys
        WHERE tenant_id = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())`,
      [k.tenantId],
    )) as [{ n: number }];
    if (n >= limit) return { limit };
    const rows = (await m.query(
      `INSERT INTO public.api_keys (tenant_id, tenant_scope, name, prefix, key_hash, scopes, created_by, expires_at, kind)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${COLUMNS}`,
      [k.tenantId, k.tenantScope, k.name, k.prefix, k.hash, k.scopes, k.createdBy, k.expiresAt, k.kind],
    )) as ApiKeyRow[];
    return rows[0]!;
  }

  list(tenantId: string, skip: number, limit: number): Promise<{ rows: ApiKeyRow[]; total: number }> {
    return queryPage<ApiKeyRow>(this.dataSource, { columns: COLUMNS, from: 'FROM public.api_keys WHERE tenant_id = $1', orderBy: 'created_at, id', params: [tenantId], skip, limit });
  }

  async find(tenantId: string, id: string, m: EntityManager = this.dataSource.manager): Promise<ApiKeyRow | null> {
    const rows = (await m.query(`SELECT ${COLUMNS} FROM public.api_keys WHERE tenant_id = $1 AND id = $2`, [tenantId, id])) as ApiKeyRow[];
    return rows[0] ?? null;
  }

  /** Revokes the key (a revoked key stays revoked at its first revocation time); null when there is none. */
  async revoke(m: EntityManager, tenantId: string, id: string): Promise<ApiKeyRow | null> {
    const rows = (await m.query(
      `UPDATE public.api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE tenant_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
      [tenantId, id],
    )) as [ApiKeyRow[], number];
    return rows[0][0] ?? null;
  }
}
