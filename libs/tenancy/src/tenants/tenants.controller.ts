import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Req } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../../../identity/src/index.js';
import { Authenticated, P, RequirePermissions } from '../../../rbac/src/index.js';
import { TenantContext } from '../context/tenant-context.js';
import { CreateTenantDto, ListTenantsQueryDto, TenantDto, TenantListDto, UpdateTenantDto } from './tenant.dto.js';
import { type TenantActor, TenantsService } from './tenants.service.js';

type Req = { user: AuthUser };

const TenantParam = () => ApiParam({ name: 'tenant', description: 'tenant uuid or slug' });

@ApiTags('tenants')
@Controller('api/tenants')
export class TenantsController {
  constructor(
    private readonly tenants: TenantsService,
    private readonly context: TenantContext,
  ) {}

  /** The caller and the access the tenancy guard resolved for the path's tenant. */
  private actor(req: Req): TenantActor {
    return { user: req.user, access: this.context.scope };
  }

  @Post()
  @Authenticated()
  @ApiOperation({ summary: 'Create a tenant; answers at once with status provisioning, the worker provisions it' })
  @ApiCreatedResponse({ type: TenantDto })
  create(@Body() dto: CreateTenantDto, @Req() req: Req): Promise<TenantDto> {
    return this.tenants.create(dto, req.user);
  }

  @Get()
  @Authenticated()
  @ApiOperation({ summary: 'Tenants the caller is a member of (and the descendants of those they administer)' })
  @ApiOkResponse({ type: TenantListDto })
  list(@Query() query: ListTenantsQueryDto, @Req() req: Req): Promise<TenantListDto> {
    return this.tenants.list(query, req.user);
  }

  @Get(':tenant')
  @RequirePermissions(P.TenantsRead)
  @TenantParam()
  @ApiOkResponse({ type: TenantDto })
  get(@Param('tenant') tenant: string): Promise<TenantDto> {
    return this.tenants.get(tenant);
  }

  @Patch(':tenant')
  @RequirePermissions(P.TenantsWrite)
  @TenantParam()
  @ApiOkResponse({ type: TenantDto })
  update(@Param('tenant') tenant: string, @Body() dto: UpdateTenantDto, @Req() req: Req): Promise<TenantDto> {
    return this.tenants.update(tenant, dto, this.actor(req));
  }

  @Delete(':tenant')
  @RequirePermissions(P.TenantsDelete)
  @TenantParam()
  @ApiOperation({ summary: 'Suspend the tenant (soft delete): its API answers 403 until reactivated' })
  @ApiOkResponse({ type: TenantDto })
  suspend(@Param('tenant') tenant: string, @Req() req: Req): Promise<TenantDto> {
    return this.tenants.suspend(tenant, this.actor(req));
  }

  @Post(':tenant/reactivate')
  @HttpCode(200)
  @RequirePermissions(P.TenantsDelete)
  @TenantParam()
  @ApiOkResponse({ type: TenantDto })
  reactivate(@Param('tenant') tenant: string, @Req() req: Req): Promise<TenantDto> {
    return this.tenants.reactivate(tenant, this.actor(req));
  }

  @Post(':tenant/provision')
  @HttpCode(202)
  @RequirePermissions(P.TenantsWrite)
  @TenantParam()
  @ApiOperation({ summary: 'Retry provisioning of a tenant whose provisioning failed' })
  @ApiOkResponse({ type: TenantDto })
  retry(@Param('tenant') tenant: string, @Req() req: Req): Promise<TenantDto> {
    return this.tenants.retryProvisioning(tenant, this.actor(req));
  }
}
