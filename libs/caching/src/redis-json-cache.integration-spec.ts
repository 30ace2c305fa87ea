import type { Redis } from 'ioredis';
import { RedisConfig } from '@libs/config';
import { closeRedis, createRedis, Keyspace } from '@libs/redis';
import { testRedisUrl, uniquePrefix } from '@libs/testing';
import { CacheKeys } from './cache-keys';
import { RedisJsonCache } from './redis-json-cache';

interface Doc {
  id: string;
  version: number;
}

describe('RedisJsonCache (real Redis)', () => {
  const prefix = uniquePrefix('l2');
  const keys = new CacheKeys(new Keyspace(prefix));
  // Several connections, so concurrent writes really interleave at the server.
  const clients: Redis[] = Array.from({ length: 4 }, () =>
    createRedis(new RedisConfig(testRedisUrl(), prefix)),
  );
  const caches = clients.map((redis) => new RedisJsonCache<Doc>(redis, { ttlMs: 60_000 }));
  const [redis] = clients;
  const [cache] = caches;
  let n = 0;
  const nextKey = () => keys.client(`c${++n}`);

  afterAll(async () => {
    await Promise.all(clients.map(closeRedis));
  });

  it('stores JSON with a version under the prefixed, hash-tagged key and a TTL', async () => {
    const key = keys.client('abc');
    expect(await cache.set(key, { id: 'abc', version: 1 }, 1)).toBe(true);
    expect(await cache.get(key)).toEqual({ id: 'abc', version: 1 });
    expect(JSON.parse((await redis.get(`${prefix}client:{abc}`))!)).toMatchObject({ version: 1 });
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
    await cache.delete(key);
    expect(await cache.get(key)).toBeUndefined();
    expect(await redis.exists(key)).toBe(0);
  });

  it('takes a per-call TTL', async () => {
    const key = nextKey();
    await cache.set(key, { id: key, version: 1 }, 1, 5_000);
    expect(await redis.pttl(key)).toBeLessThanOrEqual(5_000);
  });

  it('never replaces a newer version with an older one; equal versions refresh', async () => {
    const key = nextKey();
    await cache.set(key, { id: key, version: 5 }, 5);
    expect(await cache.set(key, { id: key, version: 3 }, 3)).toBe(false);
    expect(await cache.get(key)).toEqual({ id: key, version: 5 });
    expect(await cache.set(key, { id: key, version: 5 }, 5)).toBe(true);
    expect(await cache.set(key, { id: key, version: 6 }, 6)).toBe(true);
    expect((await cache.get(key))?.version).toBe(6);
  });

  it('keeps the newest version when many versions are written concurrently', async () => {
    const key = nextKey();
    const versions = shuffle(Array.from({ length: 200 }, (_, i) => i + 1));
    await Promise.all(
      versions.map((v, i) => caches[i % caches.length].set(key, { id: key, version: v }, v)),
    );
    expect((await cache.get(key))?.version).toBe(200);
  });

  it('refuses every concurrent older write once the newest is stored', async () => {
    const key = nextKey();
    await cache.set(key, { id: key, version: 100 }, 100);
    const results = await Promise.all(
      Array.from({ length: 99 }, (_, i) =>
        caches[i % caches.length].set(key, { id: key, version: i + 1 }, i + 1),
      ),
    );
    expect(results.every((written) => !written)).toBe(true);
    expect((await cache.get(key))?.version).toBe(100);
  });

  it('deletes with a versioned tombstone that refuses slow fills of older versions', async () => {
    const key = nextKey();
    await cache.set(key, { id: key, version: 1 }, 1);
    await cache.delete(key, 2);
    expect(await cache.get(key)).toBeUndefined();
    expect(await cache.set(key, { id: key, version: 1 }, 1)).toBe(false);
    expect(await cache.get(key)).toBeUndefined();
    expect(await cache.set(key, { id: key, version: 2 }, 2)).toBe(true);
    expect((await cache.get(key))?.version).toBe(2);
  });

  it('deletes many keys with the same tombstones as one delete per key, newer versions kept', async () => {
    // 2 500 keys: three script calls. Every third holds a newer version than its eviction,
    // every fifth an unreadable value, the rest an older version or nothing.
    const entries = Array.from({ length: 2_500 }, (_, i) => ({ key: nextKey(), version: 10 + i }));
    await Promise.all(
      entries.map(async ({ key, version }, i) => {
        if (i % 3 === 0) await cache.set(key, { id: key, version: version + 1 }, version + 1);
        else if (i % 5 === 0) await redis.set(key, 'not json', 'PX', 60_000);
        else if (i % 2 === 0) await cache.set(key, { id: key, version: version - 1 }, version - 1);
      }),
    );
    const newer = await Promise.all(
      entries.map(({ key }, i) => (i % 3 === 0 ? redis.get(key) : null)),
    );
    const single = nextKey();
    await cache.delete(single, 7);

    await cache.deleteMany(entries);

    const stored = await Promise.all(entries.map(({ key }) => redis.get(key)));
    expect(stored).toEqual(
      entries.map(({ version }, i) => newer[i] ?? JSON.stringify({ version, deleted: true })),
    );
    const ttls = await Promise.all(entries.map(({ key }) => redis.pttl(key)));
    expect(Math.min(...ttls)).toBeGreaterThan(50_000);
    const refills = await Promise.all(
      entries.map(({ key, version }) =>
        cache.set(key, { id: key, version: version - 1 }, version - 1),
      ),
    );
    expect(refills.filter(Boolean)).toHaveLength(0);
    // The same bytes as the single delete's tombstone.
    expect(await redis.get(single)).toBe(JSON.stringify({ version: 7, deleted: true }));
    await cache.deleteMany([]);
    await expect(cache.deleteMany([{ key: nextKey(), version: 1.5 }])).rejects.toThrow(RangeError);
  });

  it('treats an unreadable stored value as a miss and lets a write replace it', async () => {
    const key = nextKey();
    await redis.set(key, 'not json', 'PX', 60_000);
    expect(await cache.get(key)).toBeUndefined();
    expect(await cache.set(key, { id: key, version: 1 }, 1)).toBe(true);
    expect((await cache.get(key))?.version).toBe(1);
  });

  it('rejects versions and TTLs that are not positive safe integers', async () => {
    const key = nextKey();
    await expect(cache.set(key, { id: key, version: 1 }, -1)).rejects.toThrow(RangeError);
    await expect(cache.set(key, { id: key, version: 1 }, 1.5)).rejects.toThrow(RangeError);
    await expect(cache.set(key, { id: key, version: 1 }, 1, 0)).rejects.toThrow(RangeError);
    expect(await redis.exists(key)).toBe(0);
  });
});

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}
