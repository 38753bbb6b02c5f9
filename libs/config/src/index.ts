// Typed environment configuration, validated once at boot. Nothing else reads process.env.
export { AppConfig, ConfigError, exitOnConfigError, loadConfig, loadConfigOrExit, parseCorsOrigins, parseTrustProxy, readRuntime, runtimeFile, trustProxyOption } from './app-config.js';
export { ensureMasterKeyFile, MASTER_KEY_BYTES, masterKeyFile, parseMasterKey, PUBLISHED_MASTER_KEYS, readMasterKeyFile, weakMasterKeyReason } from './master-key.js';
export { PUBLISHED_JWT_SECRETS, weakJwtSecretReason } from './published-secrets.js';
export type { RuntimeInfo } from './app-config.js';
export { REGISTRATION_MODES } from './app-config.js';
export type { RegistrationMode } from './app-config.js';
export { ConfigModule } from './config.module.js';
