import { Registry } from 'prom-client';
import { RedisConfig } from '@libs/config';
import { closeRedis, createRedis, Keyspace } from '@libs/redis';
import { testRedisUrl, uniquePrefix } from '@libs/testing';
import { CacheKeys } from './cache-keys';
import { registerCacheMetrics } from './cache-metrics';
import { L1Cache, type L1CacheOptions } from './l1-cache';
import { RedisJsonCache } from './redis-json-cache';

interface Client {
  clientId: string;
  status: 'ACTIVE' | 'SUSPENDED';
  version: number;
}

class FakeClock {
  ms = 1_000;
  now(): number {
    return this.ms;
  }
}

/** The L1 in front of a real Redis L2, as auth uses it; counts what reaches Redis. */
describe('L1Cache over the Redis tier (real Redis)', () => {
  const prefix = uniquePrefix('l1');
  const redis = createRedis(new RedisConfig(testRedisUrl(), prefix));
  const keys = new CacheKeys(new Keyspace(prefix));
  const l2 = new RedisJsonCache<Client>(redis, { ttlMs: 60_000 });
  const loader = jest.fn((clientId: string) => l2.get(keys.client(clientId)));

  const store = (clientId: string, version = 1, status: Client['status'] = 'ACTIVE') =>
    l2.set(keys.client(clientId), { clientId, status, version }, version);
  const cacheOf = (options: L1CacheOptions = {}) => new L1Cache<Client>(options);

  beforeEach(() => loader.mockClear());
  afterAll(() => closeRedis(redis));

  it('makes one Redis load for 100 concurrent gets of a key', async () => {
    await store('hot');
    const cache = cacheOf();
    const results = await Promise.all(Array.from({ length: 100 }, () => cache.get('hot', loader)));
    expect(new Set(results.map((c) => c?.clientId))).toEqual(new Set(['hot']));
    expect(loader).toHaveBeenCalledTimes(1);
    expect(cache.stats()).toMatchObject({ loads: 1, misses: 100, size: 1 });
  });

  it('serves the cached copy until ttlMs, then loads the current one', async () => {
    const clock = new FakeClock();
    const cache = cacheOf({ ttlMs: 600_000, clock });
    await store('ttl', 1);
    await cache.get('ttl', loader);
    await store('ttl', 2, 'SUSPENDED');
    clock.ms += 599_000;
    expect(cache.getIfPresent('ttl')?.version).toBe(1);
    clock.ms += 2_000;
    expect(cache.getIfPresent('ttl')).toBeUndefined();
    expect(await cache.get('ttl', loader)).toMatchObject({ version: 2, status: 'SUSPENDED' });
    expect(loader).toHaveBeenCalledTimes(2);
  });

  it('evicts the least recently used client at max and reloads it on the next read', async () => {
    const cache = cacheOf({ max: 3 });
    const ids = ['e1', 'e2', 'e3', 'e4'];
    await Promise.all(ids.map((id) => store(id)));
    for (const id of ids) await cache.get(id, loader);
    expect(cache.stats()).toMatchObject({ size: 3, evictions: 1 });
    expect(cache.getIfPresent('e1')).toBeUndefined();
    expect(cache.getIfPresent('e4')?.clientId).toBe('e4');
    await cache.get('e1', loader);
    expect(loader).toHaveBeenCalledTimes(5);
  });

  it('absorbs a flood of unknown ids without evicting clients or loading each time', async () => {
    const clock = new FakeClock();
    const cache = cacheOf({ max: 10, negativeMax: 100, negativeTtlMs: 30_000, clock });
    const real = Array.from({ length: 10 }, (_, i) => `real${i}`);
    await Promise.all(real.map((id) => store(id)));
    for (const id of real) await cache.get(id, loader);
    loader.mockClear();

    for (let round = 0; round < 20; round++)
      for (let i = 0; i < 50; i++) expect(await cache.get(`bogus${i}`, loader)).toBeUndefined();

    expect(loader).toHaveBeenCalledTimes(50);
    expect(real.every((id) => cache.getIfPresent(id)?.clientId === id)).toBe(true);
    expect(cache.stats()).toMatchObject({ evictions: 0, size: 10, negativeSize: 50 });
    expect(cache.stats().negativeHits).toBe(950);

    // A bigger flood than the negative cache holds evicts only negative entries.
    for (let i = 0; i < 500; i++) await cache.get(`flood${i}`, loader);
    expect(cache.stats()).toMatchObject({ evictions: 0, size: 10, negativeSize: 100 });

    // After the negative TTL, an id is asked again (it may have been created meanwhile).
    await store('bogus0');
    clock.ms += 30_001;
    expect((await cache.get('bogus0', loader))?.clientId).toBe('bogus0');
  });

  it('counts hits, misses, loads and failures and exports them to a Registry', async () => {
    const registry = new Registry();
    const cache = cacheOf();
    registerCacheMetrics(registry, 'clients', cache);
    await store('s1');
    await cache.get('s1', loader);
    for (let i = 0; i < 8; i++) cache.getIfPresent('s1');
    await cache.get('nobody', loader);
    const failing = () => Promise.reject(new Error('registry unreachable'));
    await expect(cache.get('s2', failing)).rejects.toThrow('registry unreachable');

    expect(cache.stats()).toMatchObject({
      hits: 8,
      misses: 3,
      loads: 3,
      loadFailures: 1,
      size: 1,
      negativeSize: 1,
      hitRate: 8 / 11,
    });
    const text = await registry.metrics();
    expect(text).toContain('cache_hits_total{cache="clients"} 8');
    expect(text).toContain('cache_load_failures_total{cache="clients"} 1');
  });
});
