import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import fastifyMultipart from '@fastify/multipart';
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
import { STRIPE_WEBHOOK_PATH } from '../../../libs/billing/src/index.js';
import { observeHttpRequest } from '../../../libs/metrics/src/index.js';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { QUEUE } from '../../../libs/jobs/src/index.js';
import { mountQueueDashboard } from '../../../libs/operations/src/index.js';
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
const jsonParser = depthLimitedJsonParser(fastify.getDefaultJsonParser('error', 'error'));
app.useBodyParser('application/json', { bodyLimit: config.BODY_LIMIT_BYTES }, (request, body, done) => {
  // Stripe signs the exact bytes it sends: that route alone keeps them (request.rawBody).
  if (request.url.split('?')[0] === STRIPE_WEBHOOK_PATH) (request as typeof request & { rawBody?: Buffer }).rawBody = body;
  return jsonParser(request as Parameters<typeof jsonParser>[0], body, done);
});
app.useGlobalPipes(createValidationPipe());
app.useGlobalFilters(new AllExceptionsFilter(logger));

fastify.addHook('preValidation', rejectUnstorableCharacters);
fastify.addHook('onRequest', (request, reply, done) => {
  void reply.header('x-request-id', request.id);
  done();
});
await registerSecurityHeaders(app, config);
// multipart/form-data for uploads: parsed only when a handler asks (req.file()), with the
// handler's own limits; these are the ceilings if one forgets.
await app.register(fastifyMultipart, { limits: { fileSize: config.MAX_UPLOAD_MB * 1024 * 1024, files: 1, fields: 10, parts: 12, fieldSize: 1024, headerPairs: 50 } });
// The access log line. onSend runs inside the request's context (onResponse does not), so the
// logger adds the tenant of the request's scope by itself.
fastify.addHook('onSend', (request, reply, payload, done) => {
  logger.info(
    // A token in a query string (the edge's domain check) never reaches the log.
    { req_id: request.id, method: request.method, url: request.url.replace(/([?&]token=)[^&]*/gi, '$1[redacted]'), ip: request.ip, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 },
    'request',
  );
  done(null, payload);
});

// Request durations by route template (bounded labels; libs/metrics).
fastify.addHook('onResponse', (request, reply, done) => {
  observeHttpRequest(request.method, request.routeOptions.url, reply.statusCode, reply.elapsedTime / 1000);
  done();
});

// The queue dashboard (@bull-board), platform admins only (libs/operations).
await mountQueueDashboard(
  fastify,
  Object.values(QUEUE).map((name) => app.get<Queue>(getQueueToken(name), { strict: false })),
);

setupOpenApi(app);
await registerWebApp(app);
await app.listen({ port: config.PORT, host: config.HOST });
const address = fastify.server.address();
const port = typeof address === 'object' && address ? address.port : config.PORT;
logger.info({ port }, `API listening; dashboard at http://localhost:${port}/app/, docs at http://localhost:${port}/docs`);
process.send?.({ type: 'listening', port });

/**
 * Graceful shutdown (README "Operations"). Nest's own shutdown hooks run the providers' hooks
 * (the usage flush among them) before it closes the HTTP server, so a request still running
 * would record its usage after the flush, into a buffer nobody reads again. So the HTTP server
 * goes first: it stops accepting connections, answers 503 on kept-alive ones, and waits for the
 * requests in flight (their connections are closed as soon as they are idle); then Nest closes
 * the application (usage flush, queues, Redis, pools), and the process exits 0. Whatever is
 * still running after SHUTDOWN_TIMEOUT_MS is cut off, with exit code 1.
 */
let stopping = false;
async function shutdown(signal: NodeJS.Signals): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down: draining in-flight requests');
  const deadline = setTimeout(() => {
    logger.error(`shutdown still not done after SHUTDOWN_TIMEOUT_MS (${config.SHUTDOWN_TIMEOUT_MS} ms): exiting with work in flight`);
    fastify.server.closeAllConnections();
    process.exit(1);
  }, config.SHUTDOWN_TIMEOUT_MS);
  // server.close() reaps the connections idle at that moment; a connection whose request ends later is reaped here.
  const reaper = setInterval(() => fastify.server.closeIdleConnections(), 50);
  try {
    await fastify.close();
    clearInterval(reaper);
    await app.close();
    clearTimeout(deadline);
    logger.info('shut down');
    process.exit(0);
  } catch (error) {
    logger.error({ err: error }, 'shutdown failed');
    process.exit(1);
  }
}
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => void shutdown(signal));
// Started by `npm start`: stop (as on SIGTERM) when the launcher is gone, however it went.
process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
