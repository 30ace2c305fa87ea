import { CacheInvalidator } from './cache-invalidator';
import { L1Cache } from './l1-cache';

async function filledCache(): Promise<L1Cache<string>> {
  const cache = new L1Cache<string>();
  for (const key of ['a', 'b', 'c']) await cache.get(key, (k) => k.toUpperCase());
  return cache;
}

describe('CacheInvalidator', () => {
  it('evicts exactly the keys a change batch names', async () => {
    const cache = await filledCache();
    new CacheInvalidator(cache).onChange(['a', 'c', 'unknown']);
    expect(['a', 'b', 'c'].map((k) => cache.getIfPresent(k))).toEqual([undefined, 'B', undefined]);
  });

  it('clears the cache on a gap without bypassing it', async () => {
    const cache = await filledCache();
    new CacheInvalidator(cache).onGap('trimmed');
    expect(cache.stats()).toMatchObject({ size: 0, bypassed: false });
  });

  it('clears and bypasses while unhealthy, and resumes caching when healthy', async () => {
    const cache = await filledCache();
    const invalidator = new CacheInvalidator(cache);
    invalidator.onHealth(false);
    invalidator.onHealth(false);
    expect(cache.stats()).toMatchObject({ size: 0, bypassed: true, clears: 1 });
    expect(invalidator.isHealthy).toBe(false);
    invalidator.onHealth(true);
    await cache.get('a', () => 'A2');
    expect(cache.getIfPresent('a')).toBe('A2');
  });

  it('can start bypassed until the feed first reports healthy', () => {
    const cache = new L1Cache<string>();
    const invalidator = new CacheInvalidator(cache, { bypassUntilHealthy: true });
    expect(cache.isBypassed).toBe(true);
    invalidator.onHealth(true);
    expect(cache.isBypassed).toBe(false);
  });
});
