// File storage per tenant prefix: uploads, fine-tune datasets, exports.
export { assertStorageKey, LocalDiskStorage, StorageDriver } from './storage-driver.js';
export { StorageModule } from './storage.module.js';
