import type { LoggerService } from '@nestjs/common';
import { ClsServiceManager } from 'nestjs-cls';
import { pino, type Logger } from 'pino';

/** Keys of the request context (nestjs-cls store) that every log line carries. */
export const CTX_TENANT_ID = 'tenantId';

/**
 * The process logger: JSON lines (pino) with the request id and tenant id of the
 * current request context, when there is one.
 */
export function createLogger(level: string, name: string): Logger {
  return pino({
    level,
    base: { service: name },
    timestamp: pino.stdTimeFunctions.isoTime,
    mixin(merge: object) {
      const cls = ClsServiceManager.getClsService();
      if (!cls.isActive()) return {};
      const extra: Record<string, string> = {};
      if (!('req_id' in merge)) extra.req_id = cls.getId();
      const tenantId = cls.get<string | undefined>(CTX_TENANT_ID);
      if (tenantId && !('tenant_id' in merge)) extra.tenant_id = tenantId;
      return extra;
    },
  });
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
