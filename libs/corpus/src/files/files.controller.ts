import { Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, Req, Res, SetMetadata, StreamableFile } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppConfig } from '../../../config/src/index.js';
import { P, RequirePermissions, TENANT_SCOPED_KEY } from '../../../rbac/src/index.js';
import { TenantContext, TenantScoped } from '../../../tenancy/src/index.js';
import { FileDto, FileListDto, ListFilesQueryDto, UPLOAD_BODY_SCHEMA } from './file.dto.js';
import { FilesService } from './files.service.js';
import { readUpload } from './upload-reader.util.js';

const uuid = new ParseUUIDPipe({ version: undefined });

/** RFC 6266 attachment with an ASCII fallback and the UTF-8 name (RFC 5987). */
export function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}

/**
 * Uploading. Tenant-scoped like every /api/v1 route, but NOT inside the request's unit of work:
 * the body is read and its text extracted first, and only then does a short unit of work
 * store it (FilesService.upload), so a slow client never holds a pooled connection.
 */
@ApiTags('corpus')
@SetMetadata(TENANT_SCOPED_KEY, true)
@ApiHeader({ name: 'X-Tenant-ID', required: false, description: 'tenant uuid (or use X-Tenant-Slug, the subdomain, or /api/v1/{slug}/...)' })
@Controller('api/v1/corpus/files')
export class FileUploadsController {
  constructor(
    private readonly files: FilesService,
    private readonly context: TenantContext,
    private readonly config: AppConfig,
  ) {}

  @Post()
  @HttpCode(201)
  @RequirePermissions(P.CorpusWrite)
  @ApiOperation({ summary: 'Upload a txt, md, html or pdf file (multipart field `file`): the original is stored and its text becomes a document' })
  @ApiConsumes('multipart/form-data')
  @ApiBody({ schema: UPLOAD_BODY_SCHEMA })
  @ApiCreatedResponse({ type: FileDto })
  @ApiResponse({ status: 403, description: 'corpus_limit_reached: max_documents or max_storage_mb' })
  @ApiResponse({ status: 413, description: 'file_too_large: over MAX_UPLOAD_MB' })
  @ApiResponse({ status: 415, description: 'unsupported_file_type: not txt, md, html or pdf (by content)' })
  async upload(@Req() req: FastifyRequest): Promise<FileDto> {
    const tenant = this.context.tenant;
    const upload = await readUpload(req, this.config.MAX_UPLOAD_MB * 1024 * 1024);
    return this.files.upload(tenant, upload);
  }
}

/** Stored files: list and download the originals (in the request's read-only unit of work). */
@ApiTags('corpus')
@TenantScoped()
@Controller('api/v1/corpus/files')
export class FilesController {
  constructor(
    private readonly files: FilesService,
    private readonly context: TenantContext,
  ) {}

  @Get()
  @RequirePermissions(P.CorpusRead)
  @ApiOkResponse({ type: FileListDto })
  list(@Query() query: ListFilesQueryDto): Promise<FileListDto> {
    return this.files.list(query.skip, query.limit);
  }

  @Get(':id')
  @RequirePermissions(P.CorpusRead)
  @ApiOperation({ summary: 'The original bytes, with their content type, as an attachment' })
  @ApiProduces('application/pdf', 'text/plain', 'text/markdown', 'text/html')
  @ApiOkResponse({ schema: { type: 'string', format: 'binary' } })
  async download(@Param('id', uuid) id: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<StreamableFile> {
    const { file, body } = await this.files.open(this.context.tenant.id, id);
    const type = file.mime.startsWith('text/') ? `${file.mime}; charset=utf-8` : file.mime;
    // Never rendered as a page of this origin, whatever the bytes hold.
    void reply.header('content-security-policy', "default-src 'none'; sandbox").header('x-content-type-options', 'nosniff');
    return new StreamableFile(body, { type, disposition: contentDisposition(file.name), length: file.size });
  }
}
