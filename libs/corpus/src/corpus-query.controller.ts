import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { P, RequirePermissions } from '../../rbac/src/index.js';
import { TenantContext, TenantScoped } from '../../tenancy/src/index.js';
import { UsageRecorder } from '../../usage/src/index.js';
import { CorpusQueryDto, CorpusQueryResultDto, DEFAULT_TOP_K } from './corpus-query.dto.js';
import { PassageRetriever } from './passage-retriever.js';

@ApiTags('corpus')
@TenantScoped()
@Controller('api/v1/corpus/query')
export class CorpusQueryController {
  constructor(
    private readonly retriever: PassageRetriever,
    private readonly context: TenantContext,
    private readonly usage: UsageRecorder,
  ) {}

  @Post()
  @HttpCode(200)
  @RequirePermissions(P.CorpusRead)
  @ApiOperation({ summary: 'RAG retrieval: the best passages for a query (full text, fused with vectors when the tenant has embeddings)' })
  @ApiOkResponse({ type: CorpusQueryResultDto })
  async query(@Body() dto: CorpusQueryDto): Promise<CorpusQueryResultDto> {
    const passages = await this.retriever.retrieve(dto.query, dto.top_k ?? DEFAULT_TOP_K);
    this.usage.record({ tenantId: this.context.tenant.id, resource: 'rag_query', quantity: 1, metadata: { top_k: dto.top_k ?? DEFAULT_TOP_K, results: passages.length } });
    return { passages };
  }
}
