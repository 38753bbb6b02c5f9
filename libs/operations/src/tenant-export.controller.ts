import { Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Req, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { AuthUser } from '../../identity/src/index.js';
import { P, RequirePermissions } from '../../rbac/src/index.js';
import { TenantContext } from '../../tenancy/src/index.js';
import { TenantExportService } from './tenant-export.service.js';

const uuid = new ParseUUIDPipe({ version: undefined });

@ApiTags('tenants')
@ApiParam({ name: 'tenant', description: 'tenant uuid or slug' })
@Controller('api/tenants/:tenant/export')
export class TenantExportController {
  constructor(
    private readonly exports: TenantExportService,
    private readonly context: TenantContext,
  ) {}

  @Post()
  @HttpCode(202)
  @RequirePermissions(P.TenantsExport)
  @ApiOperation({ summary: 'Export the whole tenant (owner): a tar.gz of NDJSON per table and the stored files, built by the worker' })
  @ApiAcceptedResponse({ description: '{id, status}' })
  request(@Req() req: { user?: AuthUser }): Promise<{ id: string; status: string }> {
    return this.exports.request(this.context.scope.tenantId, req.user?.id ?? null);
  }

  @Get(':id')
  @RequirePermissions(P.TenantsExport)
  @ApiOkResponse({ description: '{id, status, download_url once done}' })
  get(@Param('id', uuid) id: string, @Param('tenant') tenant: string) {
    return this.exports.get(this.context.scope.tenantId, tenant, id);
  }

  @Get(':id/download')
  @RequirePermissions(P.TenantsExport)
  @ApiProduces('application/gzip')
  async download(@Param('id', uuid) id: string, @Res() reply: FastifyReply): Promise<void> {
    const stream = await this.exports.download(this.context.scope.tenantId, id);
    await reply
      .header('content-type', 'application/gzip')
      .header('content-disposition', `attachment; filename="tenant-export-${id}.tar.gz"`)
      .header('cache-control', 'no-store')
      .send(stream);
  }
}
