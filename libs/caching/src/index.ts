export {
  CacheInvalidator,
  type CacheInvalidatorOptions,
  type InvalidatableCache,
} from './cache-invalidator';
export { CacheKeys } from './cache-keys';
export { registerCacheMetrics, type CacheStats, type CacheStatsSource } from './cache-metrics';
export { L1Cache, type CacheLoader, type L1CacheOptions } from './l1-cache';
export { RedisJsonCache, type RedisJsonCacheOptions } from './redis-json-cache';
