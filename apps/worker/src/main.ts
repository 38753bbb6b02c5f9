import 'reflect-metadata';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { createLogger, PinoNestLogger } from '../../../libs/common/src/index.js';
import { exitOnConfigError, loadConfigOrExit } from '../../../libs/config/src/index.js';
import { WorkerModule } from './worker.module.js';

const config = loadConfigOrExit();
const logger = createLogger(config.LOG_LEVEL, 'worker');

const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), {
  logger: new PinoNestLogger(logger),
  abortOnError: false,
}).catch(exitOnConfigError);
app.enableShutdownHooks();
logger.info('worker started');
// Liveness for container healthchecks (docker/compose.yaml): the file's mtime moves while the
// event loop turns; a hung worker stops touching it.
const heartbeat = setInterval(() => void writeFile(join(tmpdir(), 'tenantry-worker.alive'), String(Date.now())).catch(() => undefined), 10_000);
heartbeat.unref();
process.send?.({ type: 'ready' });
// Started by `npm start`: stop (as on SIGTERM) when the launcher is gone, however it went.
process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
