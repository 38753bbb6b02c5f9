import type { LoggerService } from '@nestjs/common';
import { ClsServiceManager } from 'nestjs-cls';
import { pino, type Logger } from 'pino';

/**
 * The key of the request's tenant scope in the request context (nestjs-cls): the caller's
 * access and the tenant, written once by the tenancy guard. Every log line carries its tenant id.
 */
export const CTX_SCOPE = 'tenantry.scope';

/** Fields of a database error that can echo stored values (argon2 hashes, settings that hold secrets). */
const VALUE_ECHOING_FIELDS = ['parameters', 'detail'] as const;

/**
 * pino's error serializer, minus what a TypeORM QueryFailedError (and the pg error it wraps
 * as `driverError`) carries of the query's values: the SQL text stays, the values do not.
 */
export function serializeError(error: unknown): unknown {
  const serialized = pino.stdSerializers.err(error as Error) as unknown;
  if (typeof serialized !== 'object' || serialized === null) return serialized;
  const out: Record<string, unknown> = { ...(serialized as Record<string, unknown>) };
  for (const field of VALUE_ECHOING_FIELDS) delete out[field];
  const driver = out.driverError;
  if (typeof driver === 'object' && driver !== null) {
    const copy: Record<string, unknown> = { ...(driver as Record<string, unknown>) };
    for (const field of VALUE_ECHOING_FIELDS) delete copy[field];
    out.driverError = copy;
  }
  return out;
}

/**
 * The process logger: JSON lines (pino) with the request id and tenant id of the
 * current request context, when there is one.
 */
export function createLogger(level: string, name: string, destination?: pino.DestinationStream): Logger {
  return pino({
    level,
    serializers: { err: serializeError },
    base: { service: name },
    timestamp: pino.stdTimeFunctions.isoTime,
    mixin(merge: object) {
      const cls = ClsServiceManager.getClsService();
      if (!cls.isActive()) return {};
      const extra: Record<string, string> = {};
      if (!('req_id' in merge)) extra.req_id = cls.getId();
      const tenantId = cls.get<{ tenantId?: string } | undefined>(CTX_SCOPE)?.tenantId;
      if (tenantId && !('tenant_id' in merge)) extra.tenant_id = tenantId;
      return extra;
    },
  }, destination);
}

const BOOT_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory', 'NestApplication']);

/** Nest's LoggerService on top of pino, so framework and app logs share one JSON stream. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}
  log(message: unknown, context?: string): void {
    // Nest's boot chatter (modules loaded, routes mapped) is debug, not info.
    if (context && BOOT_CONTEXTS.has(context)) this.logger.debug({ context }, String(message));
    else this.logger.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string): void {
    this.logger.trace({ context }, String(message));
  }
}
