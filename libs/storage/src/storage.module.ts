import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../../config/src/index.js';
import { S3Storage } from './s3-storage.js';
import { LocalDiskStorage, StorageDriver } from './storage-driver.js';

/** The process's StorageDriver: local disk under DATA_DIR (default), or S3 with STORAGE_DRIVER=s3. */
@Global()
@Module({
  providers: [
    {
      provide: StorageDriver,
      inject: [AppConfig],
      useFactory: (config: AppConfig): StorageDriver => (config.STORAGE_DRIVER === 's3' ? new S3Storage(config) : new LocalDiskStorage(config)),
    },
  ],
  exports: [StorageDriver],
})
export class StorageModule {}
