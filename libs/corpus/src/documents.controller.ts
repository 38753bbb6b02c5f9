import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiResponse, ApiTags } from '@nestjs/swagger';
import { P, RequirePermissions } from '../../rbac/src/index.js';
import { TenantContext, TenantScoped } from '../../tenancy/src/index.js';
import { CreateDocumentDto, DocumentDto, DocumentListDto, ListDocumentsQueryDto, UpdateDocumentDto } from './document.dto.js';
import { DocumentsService } from './documents.service.js';

const uuid = new ParseUUIDPipe({ version: undefined });

@ApiTags('corpus')
@TenantScoped()
@Controller('api/v1/corpus/documents')
export class DocumentsController {
  constructor(
    private readonly documents: DocumentsService,
    private readonly context: TenantContext,
  ) {}

  @Get()
  @RequirePermissions(P.CorpusRead)
  @ApiOkResponse({ type: DocumentListDto })
  list(@Query() query: ListDocumentsQueryDto): Promise<DocumentListDto> {
    return this.documents.list(query);
  }

  @Post()
  @RequirePermissions(P.CorpusWrite)
  @ApiCreatedResponse({ type: DocumentDto })
  @ApiResponse({ status: 403, description: 'corpus_limit_reached: the tenant holds max_documents already (plan or settings override)' })
  async create(@Body() dto: CreateDocumentDto): Promise<DocumentDto> {
    const [doc] = await this.documents.add(this.context.tenant, [dto]);
    return doc!;
  }

  @Get(':id')
  @RequirePermissions(P.CorpusRead)
  @ApiOkResponse({ type: DocumentDto })
  get(@Param('id', uuid) id: string): Promise<DocumentDto> {
    return this.documents.get(id);
  }

  @Patch(':id')
  @RequirePermissions(P.CorpusWrite)
  @ApiOkResponse({ type: DocumentDto })
  update(@Param('id', uuid) id: string, @Body() dto: UpdateDocumentDto): Promise<DocumentDto> {
    return this.documents.update(id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @RequirePermissions(P.CorpusWrite)
  @ApiNoContentResponse()
  async delete(@Param('id', uuid) id: string): Promise<void> {
    await this.documents.delete(id);
  }
}
