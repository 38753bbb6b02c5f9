// The process's general-purpose Redis connection (cache invalidation, readiness), injectable as REDIS.
export { REDIS, RedisModule } from './redis.module.js';
export { publishChange, subscribeToChanges } from './change-subscription.js';
export type { ChangeSubscription } from './change-subscription.js';
