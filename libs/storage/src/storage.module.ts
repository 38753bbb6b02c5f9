import { Global, Module } from '@nestjs/common';
import { LocalDiskStorage, StorageDriver } from './storage-driver.js';

/** The process's StorageDriver (local disk under DATA_DIR by default). */
@Global()
@Module({
  providers: [{ provide: StorageDriver, useClass: LocalDiskStorage }],
  exports: [StorageDriver],
})
export class StorageModule {}
