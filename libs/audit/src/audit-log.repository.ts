import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { queryPage } from '../../database/src/index.js';
import type { AuditActor } from './audit-context.js';
import type { Change } from './audit-diff.util.js';

/** A row of public.audit_log as stored. */
export interface AuditRow {
  id: string;
  tenant_id: string | null;
  actor_type: AuditActor['type'];
  actor_id: string | null;
  action: string;
  target_type: string;
  target_id: string | null;
  changes: Record<string, Change>;
  request_id: string | null;
  ip: string | null;
  created_at: Date;
}

export type NewAuditRow = Omit<AuditRow, 'id' | 'created_at'>;

export interface AuditFilter {
  action?: string;
  actor?: string;
  since?: string;
  until?: string;
}

/** The SQL of public.audit_log (append-only for the runtime role: INSERT and SELECT only). */
@Injectable()
export class AuditLogRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** On `m`: the mutation's own transaction, so the entry exists iff the change committed. */
  async insert(m: EntityManager, row: NewAuditRow): Promise<void> {
    await m.query(
      `INSERT INTO public.audit_log (tenant_id, actor_type, actor_id, action, target_type, target_id, changes, request_id, ip)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9::inet)`,
      [row.tenant_id, row.actor_type, row.actor_id, row.action, row.target_type, row.target_id, JSON.stringify(row.changes), row.request_id, row.ip],
    );
  }

  /** A tenant's entries, newest first, filtered and paged (as the runtime role: filtered by tenant id here). */
  page(tenantId: string, filter: AuditFilter, skip: number, limit: number): Promise<{ rows: AuditRow[]; total: number }> {
    const params: unknown[] = [tenantId];
    const where = ['tenant_id = $1'];
    if (filter.action) where.push(`action = $${params.push(filter.action)}`);
    if (filter.actor) where.push(`(actor_id = $${params.push(filter.actor)} OR actor_type = $${params.length})`);
    if (filter.since) where.push(`created_at >= $${params.push(filter.since)}::timestamptz`);
    if (filter.until) where.push(`created_at < $${params.push(filter.until)}::timestamptz`);
    return queryPage<AuditRow>(this.dataSource, {
      columns: 'id::text, tenant_id, actor_type, actor_id, action, target_type, target_id, changes, request_id, host(ip) AS ip, created_at',
      from: `FROM public.audit_log WHERE ${where.join(' AND ')}`,
      orderBy: 'created_at DESC, id DESC',
      params,
      skip,
      limit,
    });
  }
}
