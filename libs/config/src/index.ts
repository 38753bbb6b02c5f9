// Typed environment configuration, validated once at boot. Nothing else reads process.env.
export { AppConfig, ConfigError, loadConfig, loadConfigOrExit, readRuntime, runtimeFile } from './app-config.js';
export type { RuntimeInfo } from './app-config.js';
export { ConfigModule } from './config.module.js';
