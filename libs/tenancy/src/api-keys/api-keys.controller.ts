import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, Req } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { PageQueryDto } from '../../../common/src/index.js';
import type { AuthUser } from '../../../identity/src/index.js';
import { P, RequirePermissions } from '../../../rbac/src/index.js';
import { TenantContext } from '../context/tenant-context.js';
import { ApiKeyDto, ApiKeyListDto, CreateApiKeyDto, CreatedApiKeyDto } from './api-key.dto.js';
import { ApiKeysService } from './api-keys.service.js';

const uuid = new ParseUUIDPipe({ version: undefined });

@ApiTags('api-keys')
@ApiParam({ name: 'tenant', description: 'tenant uuid or slug' })
@Controller(['api/tenants/:tenant/api-keys', 'api/tenants/:tenant/tokens'])
export class ApiKeysController {
  constructor(
    private readonly keys: ApiKeysService,
    private readonly context: TenantContext,
  ) {}

  @Post()
  @RequirePermissions(P.ApiKeysWrite)
  @ApiOperation({ summary: 'Create an API key; the answer carries the secret `key`, shown this once' })
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  create(@Body() dto: CreateApiKeyDto, @Req() req: { user: AuthUser }): Promise<CreatedApiKeyDto> {
    return this.keys.create(this.context.scope, req.user.id, dto);
  }

  @Get()
  @RequirePermissions(P.ApiKeysRead)
  @ApiOkResponse({ type: ApiKeyListDto })
  list(@Query() query: PageQueryDto): Promise<ApiKeyListDto> {
    return this.keys.list(this.context.scope.tenantId, query.skip, query.limit);
  }

  @Get(':id')
  @RequirePermissions(P.ApiKeysRead)
  @ApiOkResponse({ type: ApiKeyDto })
  get(@Param('id', uuid) id: string): Promise<ApiKeyDto> {
    return this.keys.get(this.context.scope.tenantId, id);
  }

  @Delete(':id')
  @HttpCode(204)
  @RequirePermissions(P.ApiKeysWrite)
  @ApiOperation({ summary: 'Revoke the key: every API process refuses it at once' })
  @ApiNoContentResponse()
  async revoke(@Param('id', uuid) id: string): Promise<void> {
    await this.keys.revoke(this.context.scope.tenantId, id);
  }
}
