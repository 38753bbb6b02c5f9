// File storage per tenant prefix: uploads, fine-tune datasets, exports.
export { assertStorageKey, LocalDiskStorage, StorageDriver } from './storage-driver.js';
export { S3Storage } from './s3-storage.js';
export { StorageModule } from './storage.module.js';
