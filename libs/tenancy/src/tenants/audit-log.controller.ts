import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { AuditLog, AuditLogPageDto, AuditLogQueryDto } from '../../../audit/src/index.js';
import { P, RequirePermissions } from '../../../rbac/src/index.js';
import { TenantContext } from '../context/tenant-context.js';

/**
 * A tenant's audit log. The tenancy guard resolved the path's tenant and the caller's access
 * (a parent's admins see a child's log; a child's never see the parent's); the query keeps to
 * that tenant's entries.
 */
@ApiTags('tenants')
@Controller('api/tenants')
export class AuditLogController {
  constructor(
    private readonly audit: AuditLog,
    private readonly context: TenantContext,
  ) {}

  @Get(':tenant/audit-log')
  @RequirePermissions(P.AuditRead)
  @ApiParam({ name: 'tenant', description: 'tenant uuid or slug' })
  @ApiOperation({ summary: "The tenant's audit log, newest first: actor, action, target, changes (secrets redacted), request id, IP, time" })
  @ApiOkResponse({ type: AuditLogPageDto })
  async list(@Param('tenant') _tenant: string, @Query() query: AuditLogQueryDto): Promise<AuditLogPageDto> {
    const { entries, total } = await this.audit.list(this.context.tenant.id, query, query.skip, query.limit);
    return { entries, total, skip: query.skip, limit: query.limit };
  }
}
