import { type DynamicModule, Module } from '@nestjs/common';
import type { AuditActor } from './audit-context.js';
import { AuditLogRepository } from './audit-log.repository.js';
import { AUDIT_FALLBACK_ACTOR, AuditLog } from './audit-log.service.js';

export interface AuditOptions {
  /** Who acts when no request names a caller: the admin CLI records as `cli`; default `system`. */
  fallbackActor?: AuditActor;
}

/**
 * The audit log service, global: imported once by each process (the API also installs
 * AuditContextInterceptor globally, so entries know their caller and IP).
 */
@Module({})
export class AuditModule {
  static forRoot(options: AuditOptions = {}): DynamicModule {
    return {
      module: AuditModule,
      global: true,
      providers: [AuditLog, AuditLogRepository, { provide: AUDIT_FALLBACK_ACTOR, useValue: options.fallbackActor ?? { type: 'system' } }],
      exports: [AuditLog],
    };
  }
}
