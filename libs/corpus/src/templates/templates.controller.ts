import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query, Req } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ValidationFailed } from '../../../common/src/index.js';
import type { AuthUser } from '../../../identity/src/index.js';
import { Authenticated, P, RequirePermissions } from '../../../rbac/src/index.js';
import { TenantContext, TenantNotReady, TenantSuspended } from '../../../tenancy/src/index.js';
import { AppliedTemplateDto, ApplyTemplateDto, CreateTemplateDto, ListTemplatesQueryDto, TemplateDto, TemplateListDto, UpdateTemplateDto } from './template.dto.js';
import { TemplatesService } from './templates.service.js';

const uuid = new ParseUUIDPipe({ version: undefined });
type Req = { user: AuthUser };

/** `/api/templates`: who may do what is decided per template (TemplatesService). */
@ApiTags('templates')
@Controller('api/templates')
export class TemplatesController {
  constructor(private readonly templates: TemplatesService) {}

  @Post()
  @Authenticated()
  @ApiOperation({ summary: 'Make a template: global (platform admins) or of a tenant you administer (`parent_id`), visible to it and its descendants' })
  @ApiCreatedResponse({ type: TemplateDto })
  create(@Body() dto: CreateTemplateDto, @Req() req: Req): Promise<TemplateDto> {
    return this.templates.create(req.user, dto);
  }

  @Get()
  @Authenticated()
  @ApiOkResponse({ type: TemplateListDto })
  list(@Query() query: ListTemplatesQueryDto, @Req() req: Req): Promise<TemplateListDto> {
    return this.templates.list(req.user, query.skip, query.limit);
  }

  @Get(':id')
  @Authenticated()
  @ApiOkResponse({ type: TemplateDto })
  get(@Param('id', uuid) id: string, @Req() req: Req): Promise<TemplateDto> {
    return this.templates.get(req.user, id);
  }

  @Patch(':id')
  @Authenticated()
  @ApiOkResponse({ type: TemplateDto })
  update(@Param('id', uuid) id: string, @Body() dto: UpdateTemplateDto, @Req() req: Req): Promise<TemplateDto> {
    return this.templates.update(req.user, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @Authenticated()
  @ApiNoContentResponse()
  async delete(@Param('id', uuid) id: string, @Req() req: Req): Promise<void> {
    await this.templates.delete(req.user, id);
  }
}

/** `POST /api/tenants/{tenant}/corpus/apply-template`: the tenant from the path, as on `GET .../corpus`. */
@ApiTags('templates')
@Controller('api/tenants/:tenant/corpus/apply-template')
export class ApplyTemplateController {
  constructor(
    private readonly templates: TemplatesService,
    private readonly context: TenantContext,
  ) {}

  @Post()
  @HttpCode(200)
  @RequirePermissions(P.CorpusWrite)
  @ApiParam({ name: 'tenant', description: 'tenant uuid or slug' })
  @ApiOperation({ summary: "Copy a template's documents into the tenant; the same template version twice adds nothing" })
  @ApiOkResponse({ type: AppliedTemplateDto })
  apply(@Body() dto: ApplyTemplateDto): Promise<AppliedTemplateDto> {
    const { tenant } = this.context.scope;
    if (tenant.status === 'suspended') throw new TenantSuspended(tenant);
    if (tenant.status !== 'active') throw new TenantNotReady(tenant);
    const id = dto.template_id ?? dto.templateId;
    if (!id || (dto.template_id && dto.templateId && dto.template_id !== dto.templateId)) {
      throw new ValidationFailed('Name one template: template_id (or templateId)', [{ field: 'template_id', message: 'required, once' }]);
    }
    return this.templates.apply(tenant, id);
  }
}
