import { Body, Controller, Delete, Get, HttpCode, Logger, Param, ParseUUIDPipe, Post, Query, Req, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, errorBody, PageQueryDto, STATUS_BY_KIND } from '../../common/src/index.js';
import { type AuthUser, widgetCorsHeaders } from '../../identity/src/index.js';
import { P, RequirePermissions } from '../../rbac/src/index.js';
import { TenantScoped } from '../../tenancy/src/index.js';
import { ChatExchangeDto, ChatMessageListDto, ChatSessionDto, ChatSessionListDto, CreateSessionDto, PostMessageDto } from './chat.dto.js';
import { ChatService } from './chat.service.js';

const uuid = new ParseUUIDPipe({ version: undefined });

/** Whether the caller asked for Server-Sent Events (`Accept: text/event-stream`). */
const wantsEventStream = (req: FastifyRequest): boolean => /(^|,)\s*text\/event-stream\s*(;|,|$)/i.test(req.headers.accept ?? '');

/**
 * Chat sessions and messages (API.md). The handlers open their own units of work (ChatService):
 * a message must not hold a transaction while the provider answers.
 */
@ApiTags('chat')
@TenantScoped({ unitOfWork: 'manual' })
@Controller('api/v1/chat/sessions')
export class ChatController {
  private readonly logger = new Logger('Chat');

  constructor(private readonly chat: ChatService) {}

  @Get()
  @RequirePermissions(P.ConversationsRead)
  @ApiOkResponse({ type: ChatSessionListDto })
  list(@Query() query: PageQueryDto): Promise<ChatSessionListDto> {
    return this.chat.listSessions(query.skip, query.limit);
  }

  @Post()
  @RequirePermissions(P.ConversationsWrite)
  @ApiOperation({ summary: 'Start a session; `provider` must be one of the tenant\'s allowed_providers (403 provider_not_allowed)' })
  @ApiCreatedResponse({ type: ChatSessionDto })
  create(@Body() dto: CreateSessionDto, @Req() req: { user: AuthUser }): Promise<ChatSessionDto> {
    return this.chat.createSession(dto, req.user.id);
  }

  @Get(':id')
  @RequirePermissions(P.ConversationsRead)
  @ApiOkResponse({ type: ChatSessionDto })
  get(@Param('id', uuid) id: string): Promise<ChatSessionDto> {
    return this.chat.getSession(id);
  }

  @Delete(':id')
  @HttpCode(204)
  @RequirePermissions(P.ConversationsWrite)
  @ApiNoContentResponse()
  async delete(@Param('id', uuid) id: string): Promise<void> {
    await this.chat.deleteSession(id);
  }

  @Get(':id/messages')
  @RequirePermissions(P.ConversationsRead)
  @ApiOkResponse({ type: ChatMessageListDto })
  messages(@Param('id', uuid) id: string, @Query() query: PageQueryDto): Promise<ChatMessageListDto> {
    return this.chat.listMessages(id, query.skip, query.limit);
  }

  @Post(':id/messages')
  @RequirePermissions(P.ConversationsWrite)
  @ApiOperation({
    summary: 'Send a message and get the reply',
    description:
      'With `Accept: text/event-stream` the reply streams as SSE: `delta` events `{content}`, then one `done` event with the stored exchange ' +
      '(the JSON answer), or an `error` event in the error shape. A failure before the first delta is an ordinary JSON error. ' +
      'Guardrail refusal: 422 guardrail_blocked; provider failure: 502 provider_error; nothing is stored in either case.',
  })
  @ApiProduces('application/json', 'text/event-stream')
  @ApiCreatedResponse({ type: ChatExchangeDto })
  @ApiResponse({ status: 422, description: 'guardrail_blocked (names the rule) or provider_not_configured' })
  @ApiResponse({ status: 429, description: 'max_concurrent_sessions: too many chat requests in flight for this tenant' })
  @ApiResponse({ status: 502, description: 'provider_error: the provider failed or timed out; nothing stored' })
  async post(@Param('id', uuid) id: string, @Body() dto: PostMessageDto, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    if (!wantsEventStream(req)) {
      const exchange = await this.chat.post(id, dto.content);
      await reply.status(201).send(exchange);
      return;
    }
    const raw = reply.raw;
    const abort = new AbortController();
    raw.on('close', () => {
      if (!raw.writableEnded) abort.abort(); // the client went away: stop the provider, store nothing
    });
    let started = false;
    const send = (event: string, data: unknown): void => {
      if (raw.destroyed || raw.writableEnded) return; // the client is gone
      if (!started) {
        started = true;
        reply.hijack();
        // The headers set so far (security headers, request id) and a widget key's CORS: a raw answer skips onSend.
        const headers: Record<string, string | number | string[]> = {};
        for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) headers[name] = value;
        raw.writeHead(200, {
          ...headers,
          ...widgetCorsHeaders((req as FastifyRequest & { user?: AuthUser }).user, req.headers.origin),
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache, no-transform',
          'x-accel-buffering': 'no',
        });
      }
      raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    try {
      const exchange = await this.chat.post(id, dto.content, { signal: abort.signal, onDelta: (content) => send('delta', { content }) });
      send('done', exchange);
      raw.end();
    } catch (error) {
      if (!started) throw error; // nothing sent yet: the ordinary error answer
      if (!(error instanceof DomainError) && !abort.signal.aborted) this.logger.error(error);
      send('error', error instanceof DomainError ? errorBody(STATUS_BY_KIND[error.kind], error.message, error.code, error.details) : errorBody(500, 'Internal server error'));
      raw.end();
    }
  }
}
