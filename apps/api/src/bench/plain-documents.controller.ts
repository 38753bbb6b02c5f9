import { Body, Controller, Get, HttpCode, Injectable, type OnApplicationShutdown, Post, Query } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../../../libs/config/src/index.js';
import { CORPUS_ENTITIES, CorpusQueryDto, DocumentsRepository, DocumentsService, HybridPassageRetriever, PassagesRepository } from '../../../../libs/corpus/src/index.js';
import type { CorpusJobsProducer } from '../../../../libs/jobs/src/index.js';
import { createDataSource, type TenantDb, tenantRoleName, tenantSchemaName } from '../../../../libs/database/src/index.js';
import { Authenticated } from '../../../../libs/rbac/src/index.js';
import { SLUG_PATTERN } from '../../../../libs/tenancy/src/index.js';
import { BenchListDocumentsQueryDto } from './bench-list-query.dto.js';

/** The baseline only lists documents: it never writes, so it never enqueues nor checks the corpus limits. */
const NO_JOBS = null as unknown as CorpusJobsProducer;
const NO_QUOTA = null as unknown as ConstructorParameters<typeof DocumentsService>[3];
const NO_DIRECTORY = null as unknown as ConstructorParameters<typeof HybridPassageRetriever>[1];
const NO_EMBEDDINGS = null as unknown as ConstructorParameters<typeof HybridPassageRetriever>[2];

/** application_name of the plain pool, so it is never counted as the API's own backends. */
export const PLAIN_APPLICATION_NAME = 'tenantry-api-bench-plain';

/**
 * The second pool of the plain baseline (BENCH_ROUTES only): the same pool size as the
 * API's, whose connections start (libpq `options`) with `search_path=tenant_<BENCH_PLAIN_SLUG>`
 * and the tenant's role, so the tenant entities resolve to that schema, under the same
 * privilege checks, without any per-request work. Opened on first use: the tenant is made
 * after the API starts. It carries corpus's own DocumentsService and DocumentsRepository,
 * built once on that pool's shared manager instead of a unit of work's.
 */
interface PlainCorpus {
  dataSource: DataSource;
  documents: DocumentsService;
  retriever: HybridPassageRetriever;
}

@Injectable()
export class PlainPool implements OnApplicationShutdown {
  private pool?: Promise<PlainCorpus>;

  constructor(
    private readonly config: AppConfig,
    private readonly dataSource: DataSource,
  ) {}

  get(): Promise<PlainCorpus> {
    this.pool ??= this.open().catch((error: unknown) => {
      this.pool = undefined;
      throw error;
    });
    return this.pool;
  }

  private async open(): Promise<PlainCorpus> {
    const slug = process.env.BENCH_PLAIN_SLUG || 'p1-bench';
    if (!SLUG_PATTERN.test(slug)) throw new Error(`BENCH_PLAIN_SLUG must be a tenant slug, got ${JSON.stringify(slug)}`);
    const [tenant] = (await this.dataSource.query(`SELECT id FROM public.tenants WHERE slug = $1`, [slug])) as Array<{ id: string }>;
    if (!tenant) throw new Error(`no tenant '${slug}' yet`);
    const plain = createDataSource(this.config, PLAIN_APPLICATION_NAME, [...CORPUS_ENTITIES], this.config.DB_POOL_SIZE);
    // Both names are [a-z0-9_] only (slug checked above, role made of a uuid's hex): no quoting needed inside `options`.
    Object.assign(plain.options.extra as Record<string, unknown>, { options: `-c search_path=${tenantSchemaName(slug)} -c role=${tenantRoleName(tenant.id)}` });
    await plain.initialize();
    // The repository only ever reads `manager` from TenantDb: here it is the plain pool's, with no unit of work.
    const managerSource = { manager: plain.manager } as unknown as TenantDb;
    const passages = new PassagesRepository(managerSource);
    return {
      dataSource: plain,
      documents: new DocumentsService(new DocumentsRepository(managerSource), passages, NO_JOBS, NO_QUOTA),
      // The baseline tenant has no embeddings provider: the retriever never reaches the directory or the client.
      retriever: new HybridPassageRetriever(passages, NO_DIRECTORY, NO_EMBEDDINGS),
    };
  }

  async onApplicationShutdown(): Promise<void> {
    const plain = await this.pool?.catch(() => undefined);
    if (plain?.dataSource.isInitialized) await plain.dataSource.destroy();
  }
}

/**
 * `GET /bench/plain/documents`: the same DocumentsService.list and repository code as
 * `GET /api/v1/corpus/documents`, with the same JWT authentication, but no tenancy at all:
 * no tenant resolution or membership check, no transaction, no set_config. The service and
 * repository are corpus's own, built on the plain pool's manager. The baseline of P1.
 */
@ApiExcludeController()
@Authenticated()
@Controller('bench/plain/documents')
export class PlainDocumentsController {
  constructor(
    private readonly plain: PlainPool,
  ) {}

  @Get()
  async list(@Query() query: BenchListDocumentsQueryDto) {
    const { documents } = await this.plain.get();
    return documents.list(query);
  }
}

/**
 * `POST /bench/plain/corpus/query`: the same retriever and SQL as `POST /api/v1/corpus/query`,
 * with the same JWT authentication and validation, but no tenancy (the plain pool). The
 * baseline of the search benchmark.
 */
@ApiExcludeController()
@Authenticated()
@Controller('bench/plain/corpus/query')
export class PlainCorpusQueryController {
  constructor(private readonly plain: PlainPool) {}

  @Post()
  @HttpCode(200)
  async query(@Body() dto: CorpusQueryDto) {
    const { retriever } = await this.plain.get();
    return { passages: await retriever.retrieve(dto.query, dto.top_k ?? 5) };
  }
}
