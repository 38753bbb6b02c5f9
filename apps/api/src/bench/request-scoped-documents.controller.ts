import { Controller, Get, Inject, Injectable, Query, Scope } from '@nestjs/common';
import { INTERCEPTORS_METADATA } from '@nestjs/common/constants.js';
import { ApiExcludeController } from '@nestjs/swagger';
import type { EntityManager } from 'typeorm';
import { DocumentEntity, DocumentsService, type PassagesRepository } from '../../../../libs/corpus/src/index.js';
import type { CorpusJobsProducer } from '../../../../libs/jobs/src/index.js';
import { NoTenantContextError, TenantDb, tenantRef } from '../../../../libs/database/src/index.js';
import { P, RequirePermissions, UNIT_OF_WORK_KEY } from '../../../../libs/rbac/src/index.js';
import { TenantContext, TenantScoped, TenantTransactionInterceptor } from '../../../../libs/tenancy/src/index.js';
import { BenchListDocumentsQueryDto } from './bench-list-query.dto.js';

// This variant only lists documents: it never writes, so it needs neither passages nor jobs.
const NO_PASSAGES = null as unknown as PassagesRepository;
const NO_JOBS = null as unknown as CorpusJobsProducer;
/** Lists only: never adds a document, so never checks the corpus limits. */
const NO_QUOTA = null as unknown as ConstructorParameters<typeof DocumentsService>[3];

/**
 * @TenantScoped() minus its CLS interceptor: the same metadata, so the global
 * TenantAccessGuard resolves the tenant and checks membership exactly as on the real
 * route, but the unit of work is left to the request-scoped chain below.
 */
function TenantScopedWithoutInterceptor(): ClassDecorator {
  return (target) => {
    TenantScoped()(target);
    const interceptors = (Reflect.getMetadata(INTERCEPTORS_METADATA, target) as unknown[] | undefined) ?? [];
    Reflect.defineMetadata(INTERCEPTORS_METADATA, interceptors.filter((i) => i !== TenantTransactionInterceptor), target);
    Reflect.defineMetadata(UNIT_OF_WORK_KEY, 'manual', target);
  };
}

/** The request's unit of work, carried by a Nest Scope.REQUEST provider instead of nestjs-cls. */
@Injectable({ scope: Scope.REQUEST })
export class RequestUnitOfWork {
  private current?: EntityManager;

  constructor(
    private readonly tenantDb: TenantDb,
    private readonly tenantContext: TenantContext,
  ) {}

  /** tenantDb.run() for the request's resolved tenant, with its manager held here meanwhile. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const tenant = this.tenantContext.tenant;
    // Read only, as the interceptor opens every GET.
    return this.tenantDb.run(
      tenantRef(tenant),
      async (manager) => {
        this.current = manager;
        try {
          return await fn();
        } finally {
          this.current = undefined;
        }
      },
      { readOnly: true },
    );
  }

  get manager(): EntityManager {
    if (!this.current) throw new NoTenantContextError();
    return this.current;
  }
}

/** DocumentsRepository.list (corpus does not export the repository), on the request-scoped manager. */
@Injectable({ scope: Scope.REQUEST })
export class RequestScopedDocumentsRepository {
  constructor(private readonly uow: RequestUnitOfWork) {}

  async list(skip: number, limit: number, q?: string): Promise<{ rows: DocumentEntity[]; total: number }> {
    const qb = this.uow.manager
      .getRepository(DocumentEntity)
      .createQueryBuilder('d')
      .orderBy('d.created_at', 'DESC')
      .addOrderBy('d.id', 'DESC')
      .skip(skip)
      .take(limit);
    if (q) {
      qb.where(`to_tsvector('simple', d.title || ' ' || d.content) @@ plainto_tsquery('simple', :q)`, { q });
    }
    const [rows, total] = await qb.getManyAndCount();
    return { rows, total };
  }
}

/** corpus's own DocumentsService class, instantiated per request on the request-scoped repository. */
export const REQUEST_SCOPED_DOCUMENTS = Symbol('BENCH_REQUEST_SCOPED_DOCUMENTS');
export const requestScopedDocumentsProvider = {
  provide: REQUEST_SCOPED_DOCUMENTS,
  scope: Scope.REQUEST,
  inject: [RequestScopedDocumentsRepository],
  useFactory: (repo: RequestScopedDocumentsRepository) =>
    new DocumentsService(repo as unknown as ConstructorParameters<typeof DocumentsService>[0], NO_PASSAGES, NO_JOBS, NO_QUOTA),
};

/**
 * `GET /bench/request-scoped/documents`: tenant-scoped like `GET /api/v1/corpus/documents`
 * (same guards, permission and service code), but the unit of work is carried by the
 * Scope.REQUEST chain (holder -> repository -> service -> this controller, all re-created
 * by Nest on every request) rather than by nestjs-cls.
 */
@ApiExcludeController()
@TenantScopedWithoutInterceptor()
@Controller('bench/request-scoped/documents')
export class RequestScopedDocumentsController {
  constructor(
    private readonly uow: RequestUnitOfWork,
    @Inject(REQUEST_SCOPED_DOCUMENTS) private readonly documents: DocumentsService,
  ) {}

  @Get()
  @RequirePermissions(P.CorpusRead)
  list(@Query() query: BenchListDocumentsQueryDto) {
    return this.uow.run(() => this.documents.list(query));
  }
}
