import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { type FastifyError, type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import { AllExceptionsFilter, createLogger, createValidationPipe, errorBody, PinoNestLogger } from '../../../libs/common/src/index.js';
import { loadConfigOrExit } from '../../../libs/config/src/index.js';
import { collectControllers, findUndeclaredRoutes } from '../../../libs/rbac/src/index.js';
import { rewriteTenantPath, type TenantRequest } from '../../../libs/tenancy/src/index.js';
import { AppModule } from './app.module.js';
import { setupOpenApi } from './openapi.js';
import { genReqId } from './request-id.js';

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
  trustProxy: true,
  return503OnClosing: true,
  // Errors Fastify raises before routing (bad URL encoding, over-long parameters) get our shape too.
  frameworkErrors: (error: FastifyError, _request: FastifyRequest, reply: FastifyReply) => {
    const body = errorBody(error.statusCode ?? 400, error.statusCode === 414 ? 'URI too long' : 'Malformed request URL', error.code?.toLowerCase());
    void reply.status(body.statusCode).send(body);
  },
});
const app = await NestFactory.create<NestFastifyApplication>(rootModule, adapter, {
  logger: new PinoNestLogger(logger),
  abortOnError: false,
});
app.useGlobalPipes(createValidationPipe());
app.useGlobalFilters(new AllExceptionsFilter(logger));
app.enableShutdownHooks();

const fastify = app.getHttpAdapter().getInstance();
fastify.addHook('onRequest', (request, reply, done) => {
  void reply.header('x-request-id', request.id);
  done();
});
fastify.addHook('onResponse', (request, reply, done) => {
  const req = request as TenantRequest;
  logger.info(
    { req_id: request.id, tenant_id: req.tenant?.id, method: request.method, url: request.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 },
    'request',
  );
  done();
});

setupOpenApi(app);
await app.listen({ port: config.PORT, host: config.HOST });
const address = fastify.server.address();
const port = typeof address === 'object' && address ? address.port : config.PORT;
logger.info({ port }, `API listening; docs at http://localhost:${port}/docs`);
process.send?.({ type: 'listening', port });
// Started by `npm start`: stop (as on SIGTERM) when the launcher is gone, however it went.
process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
