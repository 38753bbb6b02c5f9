// `npx tenantry <command>`: the admin CLI (see README). Output goes to stdout (JSON with
// --json); errors are one line on stderr with an exit code per kind (cli-exit-codes.ts);
// exit code 0 only on success.
import 'reflect-metadata';
import { CommandFactory } from 'nest-commander';
import { loadConfigOrExit } from '../../../libs/config/src/index.js';
import { CliModule } from './cli.module.js';
import { exitCodeOf } from './cli-exit-codes.js';
import { CliLogger, oneLine } from './cli-logger.js';

const config = loadConfigOrExit();

function fail(error: unknown): void {
  process.stderr.write(`error: ${oneLine(error instanceof Error ? error.message : String(error))}\n`);
  process.exitCode = exitCodeOf(error);
}

try {
  await CommandFactory.run(CliModule.forRoot(config), {
    logger: new CliLogger(config.LOG_LEVEL),
    abortOnError: false,
    cliName: 'tenantry',
    serviceErrorHandler: fail,
  });
} catch (error) {
  fail(error);
}
// Everything is closed (or failed to open); do not wait for stray sockets or timers.
process.stdout.write('', () => process.exit(process.exitCode ?? 0));
