import { Controller, Get, Injectable, type OnApplicationShutdown, Query } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../../../libs/config/src/index.js';
import { CORPUS_ENTITIES, DocumentsService } from '../../../../libs/corpus/src/index.js';
import { createDataSource, TenantDb, tenantRoleName, tenantSchemaName } from '../../../../libs/database/src/index.js';
import { Authenticated } from '../../../../libs/rbac/src/index.js';
import { SLUG_PATTERN } from '../../../../libs/tenancy/src/index.js';
import { BenchListDocumentsQueryDto } from './bench-list-query.dto.js';

/** application_name of the plain pool, so it is never counted as the API's own backends. */
export const PLAIN_APPLICATION_NAME = 'tenantry-api-bench-plain';

/**
 * The second pool of the plain baseline (BENCH_ROUTES only): the same pool size as the
 * API's, whose connections start (libpq `options`) with `search_path=tenant_<BENCH_PLAIN_SLUG>`
 * and the tenant's role, so the tenant entities resolve to that schema, under the same
 * privilege checks, without any per-request work. Opened on first use: the tenant is made
 * after the API starts.
 */
@Injectable()
export class PlainPool implements OnApplicationShutdown {
  private pool?: Promise<DataSource>;

  constructor(
    private readonly config: AppConfig,
    private readonly dataSource: DataSource,
  ) {}

  get(): Promise<DataSource> {
    this.pool ??= this.open().catch((error: unknown) => {
      this.pool = undefined;
      throw error;
    });
    return this.pool;
  }

  private async open(): Promise<DataSource> {
    const slug = process.env.BENCH_PLAIN_SLUG || 'p1-bench';
    if (!SLUG_PATTERN.test(slug)) throw new Error(`BENCH_PLAIN_SLUG must be a tenant slug, got ${JSON.stringify(slug)}`);
    const [tenant] = (await this.dataSource.query(`SELECT id FROM public.tenants WHERE slug = $1`, [slug])) as Array<{ id: string }>;
    if (!tenant) throw new Error(`no tenant '${slug}' yet`);
    const plain = createDataSource(this.config, PLAIN_APPLICATION_NAME, [...CORPUS_ENTITIES], this.config.DB_POOL_SIZE);
    // Both names are [a-z0-9_] only (slug checked above, role made of a uuid's hex): no quoting needed inside `options`.
    Object.assign(plain.options.extra as Record<string, unknown>, { options: `-c search_path=${tenantSchemaName(slug)} -c role=${tenantRoleName(tenant.id)}` });
    return plain.initialize();
  }

  async onApplicationShutdown(): Promise<void> {
    const plain = await this.pool?.catch(() => undefined);
    if (plain?.isInitialized) await plain.destroy();
  }
}

/**
 * `GET /bench/plain/documents`: the same DocumentsService.list and repository code as
 * `GET /api/v1/corpus/documents`, with the same JWT authentication, but no tenancy at all:
 * no tenant resolution or membership check, no transaction, no set_config. The repository
 * gets the plain pool's manager through TenantDb.withManagerForBenchmark. The baseline of P1.
 */
@ApiExcludeController()
@Authenticated()
@Controller('bench/plain/documents')
export class PlainDocumentsController {
  constructor(
    private readonly documents: DocumentsService,
    private readonly tenantDb: TenantDb,
    private readonly plain: PlainPool,
  ) {}

  @Get()
  async list(@Query() query: BenchListDocumentsQueryDto) {
    const plain = await this.plain.get();
    return this.tenantDb.withManagerForBenchmark(plain.manager, () => this.documents.list(query));
  }
}
