import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, Req, Res, SetMetadata, StreamableFile } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { AuthUser } from '../../../identity/src/index.js';
import { P, RequirePermissions, TENANT_SCOPED_KEY } from '../../../rbac/src/index.js';
import { TenantContext, TenantScoped } from '../../../tenancy/src/index.js';
import { CreateFineTuneJobDto, FineTuneJobDto, FineTuneJobListDto, ListFineTuneJobsQueryDto } from './fine-tune.dto.js';
import { FineTuneJobsService } from './fine-tune-jobs.service.js';

const uuid = new ParseUUIDPipe({ version: undefined });

/** Creating a job: its own unit of work, committed before the job is queued (FineTuneJobsService.create). */
@ApiTags('fine-tune')
@SetMetadata(TENANT_SCOPED_KEY, true)
@ApiHeader({ name: 'X-Tenant-ID', required: false, description: 'tenant uuid (or use X-Tenant-Slug, the subdomain, or /api/v1/{slug}/...)' })
@Controller('api/v1/fine-tune-jobs')
export class FineTuneJobCreationController {
  constructor(
    private readonly jobs: FineTuneJobsService,
    private readonly context: TenantContext,
  ) {}

  @Post()
  @HttpCode(201)
  @RequirePermissions(P.FineTuneWrite)
  @ApiOperation({ summary: 'Queue a fine-tune job: queued -> preparing (JSONL dataset) -> running (provider) -> succeeded | failed | cancelled' })
  @ApiCreatedResponse({ type: FineTuneJobDto })
  create(@Body() dto: CreateFineTuneJobDto, @Req() req: { user?: AuthUser }): Promise<FineTuneJobDto> {
    return this.jobs.create(this.context.tenant, req.user?.id ?? null, dto);
  }
}

@ApiTags('fine-tune')
@TenantScoped()
@Controller('api/v1/fine-tune-jobs')
export class FineTuneJobsController {
  constructor(
    private readonly jobs: FineTuneJobsService,
    private readonly context: TenantContext,
  ) {}

  @Get()
  @RequirePermissions(P.FineTuneRead)
  @ApiOkResponse({ type: FineTuneJobListDto })
  list(@Query() query: ListFineTuneJobsQueryDto): Promise<FineTuneJobListDto> {
    return this.jobs.list(query.skip, query.limit);
  }

  @Get(':id')
  @RequirePermissions(P.FineTuneRead)
  @ApiOkResponse({ type: FineTuneJobDto })
  get(@Param('id', uuid) id: string): Promise<FineTuneJobDto> {
    return this.jobs.get(id);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @RequirePermissions(P.FineTuneWrite)
  @ApiOperation({ summary: 'Cancel in any non-terminal state (a running job: `cancel_requested`, then cancelled at the provider)' })
  @ApiOkResponse({ type: FineTuneJobDto })
  @ApiConflictResponse({ description: 'fine_tune_job_finished' })
  cancel(@Param('id', uuid) id: string): Promise<FineTuneJobDto> {
    return this.jobs.cancel(id);
  }

  @Get(':id/dataset')
  @RequirePermissions(P.FineTuneRead)
  @ApiOperation({ summary: 'The JSONL dataset the job was (or is being) trained on' })
  @ApiProduces('application/jsonl')
  @ApiOkResponse({ schema: { type: 'string', format: 'binary' } })
  @ApiConflictResponse({ description: 'dataset_not_ready' })
  async dataset(@Param('id', uuid) id: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<StreamableFile> {
    const { job, body } = await this.jobs.dataset(this.context.tenant.id, id);
    void reply.header('x-content-type-options', 'nosniff');
    return new StreamableFile(body, { type: 'application/jsonl; charset=utf-8', disposition: `attachment; filename="fine-tune-${job.id}.jsonl"`, length: job.dataset?.bytes });
  }
}
