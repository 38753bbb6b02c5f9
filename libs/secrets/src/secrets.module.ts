import { Module } from '@nestjs/common';
import { TenantSecrets } from './tenant-secrets.js';

/** TenantSecrets (one instance per process: its data-key cache is shared). */
@Module({ providers: [TenantSecrets], exports: [TenantSecrets] })
export class SecretsModule {}
