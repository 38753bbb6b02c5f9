// The audit log: every mutation recorded (actor, action, target, a before/after diff with
// secrets redacted, request id, IP, time), append-only for the runtime role. Recording is
// one call, AuditLog.record, in the mutation's own transaction.
export { AuditContextInterceptor, CLI_ACTOR, CTX_AUDIT } from './audit-context.js';
export type { AuditActor, AuditRequestContext } from './audit-context.js';
export { auditDiff, isSecretKey, redact, REDACTED } from './audit-diff.util.js';
export type { Change } from './audit-diff.util.js';
export { AuditEntryDto, AuditLogPageDto, AuditLogQueryDto } from './audit-log.dto.js';
export { AuditLog } from './audit-log.service.js';
export type { AuditFilter } from './audit-log.repository.js';
export type { AuditEntry, AuditRecord } from './audit-log.service.js';
export { AuditModule } from './audit.module.js';
export type { AuditOptions } from './audit.module.js';
