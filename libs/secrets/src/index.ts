// The secrets room: per-tenant data keys wrapped by the master key (public.tenant_keys), and the
// secret settings sealed with them (README "Encryption keys"). Nothing here logs a key or a secret.
export { envelopeKeyId, EnvelopeError, masterKeyId, open, seal } from './envelope.js';
export { isSealed, isSecretPath, maskSecrets, SECRET_PATHS, SECRET_SET } from './secret-paths.js';
export type { SealedSecret } from './secret-paths.js';
export { DataKeyPruner } from './data-key-pruner.js';
export type { PruneResult } from './data-key-pruner.js';
export { BadMasterKey, SecretKeyPruned, SecretUnreadable } from './secrets.errors.js';
export { SecretsModule } from './secrets.module.js';
export { TenantSecrets } from './tenant-secrets.js';
export type { RotationResult } from './tenant-secrets.js';
