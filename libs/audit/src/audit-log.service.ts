import { Inject, Injectable } from '@nestjs/common';
import { ClsService } from 'nestjs-cls';
import { DataSource, type EntityManager } from 'typeorm';
import { type AuditActor, type AuditRequestContext, CTX_AUDIT } from './audit-context.js';
import { auditDiff, type Change } from './audit-diff.util.js';

/** One mutation to record. `before`/`after`: the target's state either side (null: did not exist). */
export interface AuditRecord {
  tenantId: string | null;
  /** `<target>.<past participle>`: tenant.created, tenant.updated, member.removed... */
  action: string;
  target: { type: string; id?: string | null };
  before?: unknown;
  after?: unknown;
  /** Defaults to the request's caller; outside a request, to the process's (AuditModule.forRoot). */
  actor?: AuditActor;
}

export interface AuditEntry {
  id: string;
  tenant_id: string | null;
  actor: { type: AuditActor['type']; id: string | null };
  action: string;
  target: { type: string; id: string | null };
  changes: Record<string, Change>;
  request_id: string | null;
  ip: string | null;
  at: string;
}

export interface AuditFilter {
  action?: string;
  actor?: string;
  since?: string;
  until?: string;
}

interface AuditRow {
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

export const AUDIT_FALLBACK_ACTOR = Symbol('tenantry.audit.fallbackActor');

/**
 * The audit log (public.audit_log, append-only for the runtime role). Record in the
 * mutation's own transaction (pass its EntityManager): the entry exists iff the change committed.
 */
@Injectable()
export class AuditLog {
  constructor(
    private readonly dataSource: DataSource,
    private readonly cls: ClsService,
    @Inject(AUDIT_FALLBACK_ACTOR) private readonly fallbackActor: AuditActor,
  ) {}

  async record(entry: AuditRecord, manager: EntityManager = this.dataSource.manager): Promise<void> {
    const context = this.cls.isActive() ? this.cls.get<AuditRequestContext | undefined>(CTX_AUDIT) : undefined;
    const actor = entry.actor ?? context?.actor ?? this.fallbackActor;
    const requestId = this.cls.isActive() ? (this.cls.getId() ?? null) : null;
    await manager.query(
      `INSERT INTO public.audit_log (tenant_id, actor_type, actor_id, action, target_type, target_id, changes, request_id, ip)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9::inet)`,
      [
        entry.tenantId,
        actor.type,
        actor.id ?? null,
        entry.action,
        entry.target.type,
        entry.target.id ?? null,
        JSON.stringify(auditDiff(entry.before, entry.after)),
        requestId,
        context?.ip ?? null,
      ],
    );
  }

  /** A tenant's entries, newest first, filtered and paged (as the runtime role: filtered by tenant id here). */
  async list(tenantId: string, filter: AuditFilter, skip: number, limit: number): Promise<{ entries: AuditEntry[]; total: number }> {
    const params: unknown[] = [tenantId];
    const where = ['tenant_id = $1'];
    if (filter.action) where.push(`action = $${params.push(filter.action)}`);
    if (filter.actor) where.push(`(actor_id = $${params.push(filter.actor)} OR actor_type = $${params.length})`);
    if (filter.since) where.push(`created_at >= $${params.push(filter.since)}::timestamptz`);
    if (filter.until) where.push(`created_at < $${params.push(filter.until)}::timestamptz`);
    const clause = where.join(' AND ');
    const [counts, rows] = await Promise.all([
      this.dataSource.query(`SELECT count(*)::int AS total FROM public.audit_log WHERE ${clause}`, params) as Promise<Array<{ total: number }>>,
      this.dataSource.query(
        `SELECT id::text, tenant_id, actor_type, actor_id, action, target_type, target_id, changes, request_id, host(ip) AS ip, created_at
           FROM public.audit_log WHERE ${clause}
          ORDER BY created_at DESC, id DESC OFFSET $${params.length + 1} LIMIT $${params.length + 2}`,
        [...params, skip, limit],
      ) as Promise<AuditRow[]>,
    ]);
    return { entries: rows.map(toEntry), total: counts[0]?.total ?? 0 };
  }
}

function toEntry(r: AuditRow): AuditEntry {
  return {
    id: r.id,
    tenant_id: r.tenant_id,
    actor: { type: r.actor_type, id: r.actor_id },
    action: r.action,
    target: { type: r.target_type, id: r.target_id },
    changes: r.changes,
    request_id: r.request_id,
    ip: r.ip,
    at: new Date(r.created_at).toISOString(),
  };
}
