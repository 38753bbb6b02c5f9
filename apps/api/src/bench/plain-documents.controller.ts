import { Controller, Get, Inject, Injectable, type OnApplicationShutdown, Query } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../../../libs/config/src/index.js';
import { CORPUS_ENTITIES, DocumentsService } from '../../../../libs/corpus/src/index.js';
import { createDataSource, TenantDb, tenantSchemaName } from '../../../../libs/database/src/index.js';
import { Authenticated } from '../../../../libs/rbac/src/index.js';
import { SLUG_PATTERN } from '../../../../libs/tenancy/src/index.js';
import { BenchListDocumentsQueryDto } from './bench-list-query.dto.js';

/** The second pool of the plain baseline (BENCH_ROUTES only). */
export const PLAIN_DATA_SOURCE = Symbol('BENCH_PLAIN_DATA_SOURCE');

/** application_name of the plain pool, so it is never counted as the API's own backends. */
export const PLAIN_APPLICATION_NAME = 'tenantry-api-bench-plain';

/**
 * A DataSource with the same pool size as the API's, whose connections start with
 * `search_path=tenant_<BENCH_PLAIN_SLUG>,public` (libpq `options`), so the tenant entities
 * resolve to that schema without any per-request work.
 */
export async function createPlainDataSource(config: AppConfig): Promise<DataSource> {
  const slug = process.env.BENCH_PLAIN_SLUG || 'p1-bench';
  if (!SLUG_PATTERN.test(slug)) throw new Error(`BENCH_PLAIN_SLUG must be a tenant slug, got ${JSON.stringify(slug)}`);
  const dataSource = createDataSource(config, PLAIN_APPLICATION_NAME, [...CORPUS_ENTITIES], config.DB_POOL_SIZE);
  // The schema name is [a-z0-9_] only (checked above): no quoting needed inside `options`.
  Object.assign(dataSource.options.extra as Record<string, unknown>, { options: `-c search_path=${tenantSchemaName(slug)},public` });
  return dataSource.initialize();
}

@Injectable()
export class PlainDataSourceCloser implements OnApplicationShutdown {
  constructor(@Inject(PLAIN_DATA_SOURCE) private readonly dataSource: DataSource) {}
  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

/**
 * `GET /bench/plain/documents`: the same DocumentsService.list and repository code as
 * `GET /api/v1/corpus/documents`, with the same JWT authentication, but no tenancy at all:
 * no tenant resolution or membership check, no transaction, no set_config. The repository
 * gets the plain pool's manager through TenantDb.runOnManager. The baseline of P1.
 */
@ApiExcludeController()
@Authenticated()
@Controller('bench/plain/documents')
export class PlainDocumentsController {
  constructor(
    private readonly documents: DocumentsService,
    private readonly tenantDb: TenantDb,
    @Inject(PLAIN_DATA_SOURCE) private readonly plain: DataSource,
  ) {}

  @Get()
  list(@Query() query: BenchListDocumentsQueryDto) {
    return this.tenantDb.runOnManager(this.plain.manager, () => this.documents.list(query));
  }
}
