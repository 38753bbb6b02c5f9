import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** The SQL of the operator endpoints (runtime role, outside any tenant: row-level security lets it see every tenant row). */
@Injectable()
export class OperationsRepository {
  constructor(private readonly db: DataSource) {}

  async tenantsByStatus(): Promise<Array<{ status: string; n: number }>> {
    return (await this.db.query(`SELECT status, count(*)::int AS n FROM public.tenants GROUP BY status`)) as Array<{ status: string; n: number }>;
  }

  async tenantsBehind(version: number): Promise<number> {
    const rows = (await this.db.query(`SELECT count(*)::int AS n FROM public.tenants WHERE schema_version < $1 AND status IN ('active', 'suspended')`, [
      version,
    ])) as Array<{ n: number }>;
    return rows[0]?.n ?? 0;
  }

  /** Whether an active tenant lists this hostname (lowercase, no trailing dot) in settings.custom_domains. */
  async domainClaimed(host: string): Promise<boolean> {
    const rows = (await this.db.query(
      `SELECT EXISTS (
         SELECT 1 FROM public.tenants t,
           jsonb_array_elements_text(CASE WHEN jsonb_typeof(t.settings->'custom_domains') = 'array' THEN t.settings->'custom_domains' ELSE '[]'::jsonb END) d
          WHERE t.status = 'active' AND t.is_active AND lower(rtrim(d, '.')) = $1) AS claimed`,
      [host],
    )) as Array<{ claimed: boolean }>;
    return rows[0]?.claimed === true;
  }
}
