import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { TenantDb, tenantRef } from '../../database/src/index.js';
import { P, RequirePermissions } from '../../rbac/src/index.js';
import { TenantContext, TenantNotReady, TenantSuspended } from '../../tenancy/src/index.js';
import { DocumentListDto, ListDocumentsQueryDto } from './document.dto.js';
import { DocumentsService } from './documents.service.js';

/**
 * A tenant's documents through the management API (`/api/tenants/{tenant}/corpus`), for a
 * parent's admins on their children as for the tenant's own members: the tenant comes from the
 * path (the access guard resolved it and the caller's access), and the list runs in that tenant's
 * unit of work, as on `/api/v1/corpus/documents`.
 */
@ApiTags('corpus')
@Controller('api/tenants/:tenant/corpus')
export class TenantCorpusController {
  constructor(
    private readonly documents: DocumentsService,
    private readonly context: TenantContext,
    private readonly tenantDb: TenantDb,
  ) {}

  @Get()
  @RequirePermissions(P.CorpusRead)
  @ApiParam({ name: 'tenant', description: 'tenant uuid or slug' })
  @ApiOperation({ summary: "The tenant's documents (parent admins use it on children); `?q=` full-text search" })
  @ApiOkResponse({ type: DocumentListDto })
  list(@Query() query: ListDocumentsQueryDto): Promise<DocumentListDto> {
    const { tenant } = this.context.scope;
    // The same rule as tenant-scoped routes: its schema is only used while it is active.
    if (tenant.status === 'suspended') throw new TenantSuspended(tenant);
    if (tenant.status !== 'active') throw new TenantNotReady(tenant);
    return this.tenantDb.runInContext(tenantRef(tenant), () => this.documents.list(query), { readOnly: true });
  }
}
