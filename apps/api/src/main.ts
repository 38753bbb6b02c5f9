import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { type FastifyError, type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import {
  AllExceptionsFilter,
  createLogger,
  createValidationPipe,
  depthLimitedJsonParser,
  errorBody,
  lingeringClientErrorHandler,
  PinoNestLogger,
  rejectUnstorableCharacters,
} from '../../../libs/common/src/index.js';
import { exitOnConfigError, loadConfigOrExit, trustProxyOption } from '../../../libs/config/src/index.js';
import { collectControllers, findUndeclaredRoutes } from '../../../libs/rbac/src/index.js';
import { rewriteTenantPath } from '../../../libs/tenancy/src/index.js';
import { AppModule } from './app.module.js';
import { setupOpenApi } from './openapi.js';
import { genReqId } from './request-id.js';
import { applySecurityHeaders, registerSecurityHeaders } from './security-headers.js';
import { registerWebApp } from './web-app.js';

const config = loadConfigOrExit();
const logger = createLogger(config.LOG_LEVEL, 'api');

const rootModule = AppModule.forRoot(config);
const undeclared = findUndeclaredRoutes(collectControllers(rootModule));
if (undeclared.length > 0) {
  logger.fatal(`routes without @Public(), @Authenticated() or @RequirePermissions(): ${undeclared.join(', ')}`);
  process.exit(1);
}

const adapter = new FastifyAdapter({
  loggerInstance: logger,
  logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'req_id' }),
  bodyLimit: config.BODY_LIMIT_BYTES,
  genReqId,
  rewriteUrl: rewriteTenantPath,
  trustProxy: trustProxyOption(config.TRUST_PROXY),
  return503OnClosing: true,
  // Requests Node's parser refuses (headers over 16 KB, a NUL in a header) get our shape and a
  // lingering close, so the client reads the answer instead of a reset connection.
  clientErrorHandler: lingeringClientErrorHandler(),
  // Errors Fastify raises before routing (bad URL encoding, over-long parameters) get our shape too.
  frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    applySecurityHeaders(request, reply);
    const body = errorBody(error.statusCode ?? 400, error.statusCode === 414 ? 'URI too long' : 'Malformed request URL', error.code?.toLowerCase());
    void reply.status(body.statusCode).send(body);
  },
});
const app = await NestFactory.create<NestFastifyApplication>(rootModule, adapter, {
  logger: new PinoNestLogger(logger),
  abortOnError: false,
}).catch(exitOnConfigError);
const fastify = app.getHttpAdapter().getInstance();
// Fastify's own JSON parser (prototype-poisoning protection included) behind a depth limit.
app.useBodyParser('application/json', { bodyLimit: config.BODY_LIMIT_BYTES }, depthLimitedJsonParser(fastify.getDefaultJsonParser('error', 'error')));
app.useGlobalPipes(createValidationPipe());
app.useGlobalFilters(new AllExceptionsFilter(logger));
app.enableShutdownHooks();

fastify.addHook('preValidation', rejectUnstorableCharacters);
fastify.addHook('onRequest', (request, reply, done) => {
  void reply.header('x-request-id', request.id);
  done();
});
await registerSecurityHeaders(app, config);
// The access log line. onSend runs inside the request's context (onResponse does not), so the
// logger adds the tenant of the request's scope by itself.
fastify.addHook('onSend', (request, reply, payload, done) => {
  logger.info(
    { req_id: request.id, method: request.method, url: request.url, ip: request.ip, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 },
    'request',
  );
  done(null, payload);
});

setupOpenApi(app);
await registerWebApp(app);
await app.listen({ port: config.PORT, host: config.HOST });
const address = fastify.server.address();
const port = typeof address === 'object' && address ? address.port : config.PORT;
logger.info({ port }, `API listening; dashboard at http://localhost:${port}/app/, docs at http://localhost:${port}/docs`);
process.send?.({ type: 'listening', port });
// Started by `npm start`: stop (as on SIGTERM) when the launcher is gone, however it went.
process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
