import { Inject, Injectable } from '@nestjs/common';
import { ClsService } from 'nestjs-cls';
import { DataSource, type EntityManager } from 'typeorm';
import { type AuditActor, type AuditRequestContext, CTX_AUDIT } from './audit-context.js';
import { auditDiff, type Change } from './audit-diff.util.js';
import { type AuditFilter, AuditLogRepository, type AuditRow } from './audit-log.repository.js';

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

export const AUDIT_FALLBACK_ACTOR = Symbol('tenantry.audit.fallbackActor');

/**
 * The audit log (public.audit_log, append-only for the runtime role). Record in the
 * mutation's own transaction (pass its EntityManager): the entry exists iff the change committed.
 */
@Injectable()
export class AuditLog {
  constructor(
    private readonly dataSource: DataSource,
    private readonly repo: AuditLogRepository,
    private readonly cls: ClsService,
    @Inject(AUDIT_FALLBACK_ACTOR) private readonly fallbackActor: AuditActor,
  ) {}

  async record(entry: AuditRecord, manager: EntityManager = this.dataSource.manager): Promise<void> {
    const context = this.cls.isActive() ? this.cls.get<AuditRequestContext | undefined>(CTX_AUDIT) : undefined;
    const actor = entry.actor ?? context?.actor ?? this.fallbackActor;
    const requestId = this.cls.isActive() ? (this.cls.getId() ?? null) : null;
    await this.repo.insert(manager, {
      tenant_id: entry.tenantId,
      actor_type: actor.type,
      actor_id: actor.id ?? null,
      action: entry.action,
      target_type: entry.target.type,
      target_id: entry.target.id ?? null,
      changes: auditDiff(entry.before, entry.after),
      request_id: requestId,
      ip: context?.ip ?? null,
    });
  }

  /** A tenant's entries, newest first, filtered and paged (as the runtime role: filtered by tenant id here). */
  async list(tenantId: string, filter: AuditFilter, skip: number, limit: number): Promise<{ entries: AuditEntry[]; total: number }> {
    const { rows, total } = await this.repo.page(tenantId, filter, skip, limit);
    return { entries: rows.map(toEntry), total };
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
