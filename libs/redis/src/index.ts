// The process's general-purpose Redis connection (cache invalidation, readiness), injectable as REDIS.
export { REDIS, RedisModule } from './redis.module.js';
