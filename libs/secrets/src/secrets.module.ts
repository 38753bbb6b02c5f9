import { Module } from '@nestjs/common';
import { DataKeyPruner } from './data-key-pruner.js';
import { TenantSecrets } from './tenant-secrets.js';

/** TenantSecrets (one instance per process: its data-key cache is shared) and the CLI's DataKeyPruner. */
@Module({ providers: [TenantSecrets, DataKeyPruner], exports: [TenantSecrets, DataKeyPruner] })
export class SecretsModule {}
