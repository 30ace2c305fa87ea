import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { Counter, Registry } from 'prom-client';
import { CacheKeys, RedisJsonCache } from '@libs/caching';
import { ClientCacheConfig } from '@libs/config';
import type { ClientRecord } from '@libs/models';
import { REDIS } from '@libs/redis';

/**
 * The registry's Redis copy of client records (`client:{id}`, TTL CLIENT_REGISTRY_CACHE_TTL).
 * Writes leave a tombstone of the new version rather than a bare DEL, so a reader that loaded
 * the old row just before the change cannot put it back.
 */
@Injectable()
export class ClientCache {
  private readonly cache: RedisJsonCache<ClientRecord>;
  private readonly lookups: Counter<'result'>;

  constructor(
    @Inject(REDIS) redis: Redis,
    private readonly keys: CacheKeys,
    config: ClientCacheConfig,
    registry: Registry,
  ) {
    this.cache = new RedisJsonCache(redis, { ttlMs: config.ttlSeconds * 1000 });
    this.lookups = new Counter({
      name: 'registry_client_cache_lookups_total',
      help: 'Redis lookups of client records by result (hit, miss)',
      labelNames: ['result'],
      registers: [registry],
    });
  }

  async get(clientId: string): Promise<ClientRecord | undefined> {
    const record = await this.cache.get(this.keys.client(clientId));
    this.lookups.inc({ result: record ? 'hit' : 'miss' });
    return record;
  }

  async fill(record: ClientRecord): Promise<void> {
    await this.cache.set(this.keys.client(record.client_id), record, record.version);
  }

  /** Removes the copies of changed clients (called after commit, before the change event). */
  async evict(records: readonly Pick<ClientRecord, 'client_id' | 'version'>[]): Promise<void> {
    await this.cache.deleteMany(
      records.map((r) => ({ key: this.keys.client(r.client_id), version: r.version })),
    );
  }
}
