import { Module } from '@nestjs/common';
import { CorpusModule } from '../../../../libs/corpus/src/index.js';
import { MeteringModule } from '../../../../libs/metering/src/index.js';
import { TenancyModule } from '../../../../libs/tenancy/src/index.js';
import { BenchTenantWithoutCallerGuard, NoAuthDocumentsController } from './no-auth-documents.controller.js';
import { PlainCorpusQueryController, PlainDocumentsController, PlainPool } from './plain-documents.controller.js';
import { SpendController } from './spend.controller.js';
import {
  RequestScopedDocumentsController,
  RequestScopedDocumentsRepository,
  requestScopedDocumentsProvider,
  RequestUnitOfWork,
} from './request-scoped-documents.controller.js';

/**
 * Routes for bench/ only (registered when BENCH_ROUTES=true, never in production):
 * - GET /bench/plain/documents: the corpus list without tenancy (P1's baseline, and `?q=` search's);
 * - POST /bench/plain/corpus/query: RAG retrieval without tenancy (the search benchmark's baseline);
 * - GET /bench/request-scoped/documents: the corpus list with its unit of work carried by
 *   Nest Scope.REQUEST providers instead of nestjs-cls;
 * - GET /bench/no-auth/documents: the tenant-scoped corpus list without authentication or
 *   permission checks (issue 15's baseline: what authorization costs);
 * - POST /bench/spend: spends a monthly budget through Quotas, as chat will.
 */
@Module({
  imports: [CorpusModule, TenancyModule, MeteringModule],
  controllers: [PlainDocumentsController, PlainCorpusQueryController, RequestScopedDocumentsController, NoAuthDocumentsController, SpendController],
  providers: [
    PlainPool,
    BenchTenantWithoutCallerGuard,
    RequestUnitOfWork,
    RequestScopedDocumentsRepository,
    requestScopedDocumentsProvider,
  ],
})
export class BenchModule {}
