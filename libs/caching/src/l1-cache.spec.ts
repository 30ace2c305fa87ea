import { L1Cache } from './l1-cache';

/** A hand-driven millisecond clock for the TTLs. */
class FakeClock {
  private ms = 1_000;
  now(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** A promise with its settle functions, to hold a load open. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('L1Cache', () => {
  it('answers hits synchronously and counts one hit or one miss per lookup', async () => {
    const cache = new L1Cache<string>();
    expect(cache.getIfPresent('a')).toBeUndefined();
    expect(await cache.get('a', () => 'A')).toBe('A');
    expect(cache.getIfPresent('a')).toBe('A');
    expect(await cache.get('a', () => 'other')).toBe('A');
    expect(cache.stats()).toMatchObject({ hits: 2, misses: 1, loads: 1, size: 1, hitRate: 2 / 3 });
  });

  it('shares one load between concurrent misses of a key', async () => {
    const cache = new L1Cache<string>();
    const pending = deferred<string>();
    const loader = jest.fn(() => pending.promise);
    const reads = Array.from({ length: 100 }, () => cache.get('k', loader));
    pending.resolve('v');
    expect(await Promise.all(reads)).toEqual(Array(100).fill('v'));
    expect(loader).toHaveBeenCalledTimes(1);
    expect(cache.stats()).toMatchObject({ loads: 1, misses: 100 });
  });

  it('gives every waiter the same rejection, caches no failure and counts it', async () => {
    const cache = new L1Cache<string>();
    const failure = new Error('registry down');
    const loader = jest.fn(() => Promise.reject(failure));
    const results = await Promise.allSettled([cache.get('k', loader), cache.get('k', loader)]);
    expect(results).toEqual([
      { status: 'rejected', reason: failure },
      { status: 'rejected', reason: failure },
    ]);
    expect(await cache.get('k', () => 'recovered')).toBe('recovered');
    expect(loader).toHaveBeenCalledTimes(1);
    expect(cache.stats()).toMatchObject({ loads: 2, loadFailures: 1, size: 1 });
  });

  it('turns a loader that throws synchronously into a rejection', async () => {
    const cache = new L1Cache<string>();
    const boom = (): string => {
      throw new Error('boom');
    };
    await expect(cache.get('k', boom)).rejects.toThrow('boom');
    expect(cache.stats().loadFailures).toBe(1);
  });

  it('expires entries after ttlMs', async () => {
    const clock = new FakeClock();
    const cache = new L1Cache<string>({ ttlMs: 1_000, clock });
    await cache.get('k', () => 'v1');
    clock.advance(999);
    expect(cache.getIfPresent('k')).toBe('v1');
    clock.advance(2);
    expect(cache.getIfPresent('k')).toBeUndefined();
    expect(await cache.get('k', () => 'v2')).toBe('v2');
  });

  it('evicts the least recently used entry beyond max and counts evictions', async () => {
    const cache = new L1Cache<string>({ max: 3 });
    for (const key of ['a', 'b', 'c']) await cache.get(key, (k) => k.toUpperCase());
    cache.getIfPresent('a'); // a is now the most recently used; b the least
    await cache.get('d', () => 'D');
    expect(cache.getIfPresent('b')).toBeUndefined();
    expect(['a', 'c', 'd'].map((k) => cache.getIfPresent(k))).toEqual(['A', 'C', 'D']);
    expect(cache.stats()).toMatchObject({ evictions: 1, size: 3 });
  });

  it('keeps unknown keys apart: they evict no entry and reach the loader once', async () => {
    const clock = new FakeClock();
    const cache = new L1Cache<string>({ max: 2, negativeMax: 10, negativeTtlMs: 30_000, clock });
    await cache.get('real', () => 'R');
    const loader = jest.fn((): string | undefined => undefined);
    for (let i = 0; i < 50; i++) expect(await cache.get(`bogus-${i % 5}`, loader)).toBeUndefined();
    expect(loader).toHaveBeenCalledTimes(5);
    expect(cache.getIfPresent('real')).toBe('R');
    expect(cache.stats()).toMatchObject({ negativeHits: 45, negativeSize: 5, evictions: 0 });
    clock.advance(30_001);
    await cache.get('bogus-0', loader);
    expect(loader).toHaveBeenCalledTimes(6);
  });

  it('defaults to 5 000 entries for 10 min and unknown keys for 30 s', async () => {
    const clock = new FakeClock();
    const cache = new L1Cache<string>({ clock, max: undefined });
    for (let i = 0; i <= 5_000; i++) cache.set(`k${i}`, 'v');
    expect(cache.stats()).toMatchObject({ size: 5_000, evictions: 1 });
    const loader = jest.fn((): string | undefined => undefined);
    await cache.get('unknown', loader);
    clock.advance(30_000);
    await cache.get('unknown', loader);
    expect(loader).toHaveBeenCalledTimes(1);
    clock.advance(570_000);
    expect(cache.getIfPresent('k5000')).toBe('v');
    clock.advance(1);
    expect(cache.getIfPresent('k5000')).toBeUndefined();
    await cache.get('unknown', loader);
    expect(loader).toHaveBeenCalledTimes(2);
  });

  it('keeps a load that an invalidation overtook out of the cache', async () => {
    const cache = new L1Cache<string>();
    const pending = deferred<string>();
    const read = cache.get('k', () => pending.promise);
    cache.invalidate('k');
    pending.resolve('stale');
    expect(await read).toBe('stale');
    expect(cache.getIfPresent('k')).toBeUndefined();
    expect(await cache.get('k', () => 'fresh')).toBe('fresh');
  });

  it('invalidates a negative entry too (a client created after it was unknown)', async () => {
    const cache = new L1Cache<string>();
    await cache.get('k', () => undefined);
    cache.invalidate('k');
    expect(await cache.get('k', () => 'created')).toBe('created');
    expect(cache.stats().invalidations).toBe(1);
  });

  it('while bypassed, loads every read and keeps nothing; afterwards caches again', async () => {
    const cache = new L1Cache<string>();
    await cache.get('k', () => 'old');
    await cache.get('gone', () => undefined);
    cache.setBypass(true);
    expect(cache.stats()).toMatchObject({ size: 0, negativeSize: 0, clears: 1, bypassed: true });
    const loader = jest.fn(() => 'new');
    cache.set('k', 'ignored');
    expect(cache.getIfPresent('k')).toBeUndefined();
    expect(await Promise.all([cache.get('k', loader), cache.get('k', loader)])).toEqual([
      'new',
      'new',
    ]);
    expect(loader).toHaveBeenCalledTimes(2);
    expect(cache.stats().size).toBe(0);
    cache.setBypass(false);
    await cache.get('k', loader);
    expect(cache.getIfPresent('k')).toBe('new');
    expect(loader).toHaveBeenCalledTimes(3);
  });

  it('keeps a load started before the bypass out of the cache', async () => {
    const cache = new L1Cache<string>();
    const pending = deferred<string>();
    const read = cache.get('k', () => pending.promise);
    cache.setBypass(true);
    cache.setBypass(false);
    pending.resolve('from before');
    await read;
    expect(cache.getIfPresent('k')).toBeUndefined();
  });

  it('lets set() supersede a load in flight', async () => {
    const cache = new L1Cache<string>();
    const pending = deferred<string>();
    const read = cache.get('k', () => pending.promise);
    cache.set('k', 'newer');
    pending.resolve('older');
    await read;
    expect(cache.getIfPresent('k')).toBe('newer');
  });
});
