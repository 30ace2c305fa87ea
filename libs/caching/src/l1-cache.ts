import { LRUCache } from 'lru-cache';
import type { InvalidatableCache } from './cache-invalidator';
import type { CacheStats, CacheStatsSource } from './cache-metrics';

/** Loads a key's value on a miss; `undefined` means the key does not exist. */
export type CacheLoader<V> = (key: string) => V | undefined | PromiseLike<V | undefined>;

/** Sizes and lifetimes of an {@link L1Cache}. */
export interface L1CacheOptions {
  /** Most entries held; the least recently used one is evicted beyond it (default 5 000). */
  max?: number;
  /** How long a loaded entry is served (default 10 minutes). */
  ttlMs?: number;
  /** Most unknown keys remembered (default 1 000); kept apart so they never evict real entries. */
  negativeMax?: number;
  /** How long an unknown key is answered without asking the loader (default 30 s). */
  negativeTtlMs?: number;
  /** Millisecond clock for the TTLs (tests); default `performance.now()`. */
  clock?: { now(): number };
}

/**
 * The in-process tier: an LRU with TTL in front of a loader, plus a small negative LRU for keys
 * that do not exist. Concurrent misses of one key share one load. Invalidation can drop a key,
 * clear everything, or bypass the cache entirely (every read loads, nothing is kept) while its
 * invalidation feed cannot be trusted.
 *
 * Hot path: `getIfPresent` is synchronous and allocates nothing of its own; counters are plain
 * fields that Prometheus reads at scrape time (see `registerCacheMetrics`).
 */
export class L1Cache<V extends NonNullable<unknown>>
  implements InvalidatableCache, CacheStatsSource
{
  private readonly entries: LRUCache<string, V>;
  private readonly unknown: LRUCache<string, true>;
  // Loads running now, by key. A load stores its result only if it is still the one listed here,
  // so an invalidation or clear that lands mid-load keeps the (possibly stale) result out.
  private readonly inflight = new Map<string, Promise<V | undefined>>();
  private bypassed = false;
  private hits = 0;
  private negativeHits = 0;
  private misses = 0;
  private loads = 0;
  private loadFailures = 0;
  private evictions = 0;
  private invalidations = 0;
  private clears = 0;

  constructor(options: L1CacheOptions = {}) {
    // With an injected clock, lru-cache must not memoise "now" for a millisecond of real time.
    const clockOptions = options.clock ? { perf: options.clock, ttlResolution: 0 } : {};
    this.entries = new LRUCache<string, V>({
      max: options.max ?? 5_000,
      ttl: options.ttlMs ?? 600_000,
      ...clockOptions,
      dispose: (_value, _key, reason) => {
        if (reason === 'evict') this.evictions++;
      },
    });
    this.unknown = new LRUCache<string, true>({
      max: options.negativeMax ?? 1_000,
      ttl: options.negativeTtlMs ?? 30_000,
      ...clockOptions,
    });
  }

  /**
   * The cached value, or undefined (miss, unknown key or bypass). Counts hits only: the `get`
   * that follows a miss counts it.
   */
  getIfPresent(key: string): V | undefined {
    // Bypass empties the cache and stores nothing, so this is belt and braces; it costs one
    // field read, and serving a suspended client from memory is the failure that matters most.
    if (this.bypassed) return undefined;
    const value = this.entries.get(key);
    if (value !== undefined) this.hits++;
    return value;
  }

  /**
   * The value from cache, else from `loader` (one load per key at a time); undefined when the
   * key does not exist.
   */
  get(key: string, loader: CacheLoader<V>): Promise<V | undefined> {
    if (this.bypassed) {
      this.misses++;
      return this.load(key, loader);
    }
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.hits++;
      return Promise.resolve(value);
    }
    if (this.unknown.get(key)) {
      this.negativeHits++;
      return Promise.resolve(undefined);
    }
    this.misses++;
    return this.inflight.get(key) ?? this.loadAndStore(key, loader);
  }

  /** Stores a value obtained elsewhere (ignored while bypassed); supersedes a load in flight. */
  set(key: string, value: V): void {
    if (this.bypassed) return;
    this.inflight.delete(key);
    this.unknown.delete(key);
    this.entries.set(key, value);
  }

  /** Forgets one key: its entry, its negative entry and any load in flight. */
  invalidate(key: string): void {
    this.invalidations++;
    this.inflight.delete(key);
    this.entries.delete(key);
    this.unknown.delete(key);
  }

  /** Forgets everything, including loads in flight. */
  clear(): void {
    this.clears++;
    this.inflight.clear();
    this.entries.clear();
    this.unknown.clear();
  }

  /** Bypass on (clearing the cache) or off; while on, every read loads and nothing is kept. */
  setBypass(bypassed: boolean): void {
    if (bypassed && !this.bypassed) this.clear();
    this.bypassed = bypassed;
  }

  /** True while the cache is bypassed. */
  get isBypassed(): boolean {
    return this.bypassed;
  }

  /** A snapshot of the counters. */
  stats(): CacheStats {
    const answered = this.hits + this.negativeHits;
    const lookups = answered + this.misses;
    return {
      hits: this.hits,
      negativeHits: this.negativeHits,
      misses: this.misses,
      loads: this.loads,
      loadFailures: this.loadFailures,
      evictions: this.evictions,
      invalidations: this.invalidations,
      clears: this.clears,
      size: this.entries.size,
      negativeSize: this.unknown.size,
      bypassed: this.bypassed,
      hitRate: lookups === 0 ? 0 : answered / lookups,
    };
  }

  private loadAndStore(key: string, loader: CacheLoader<V>): Promise<V | undefined> {
    const flight: Promise<V | undefined> = this.load(key, loader).then(
      (value) => {
        if (this.inflight.get(key) === flight) {
          this.inflight.delete(key);
          if (value === undefined) this.unknown.set(key, true);
          else this.entries.set(key, value);
        }
        return value;
      },
      (error: unknown) => {
        // Failures are not cached: the next miss tries again.
        if (this.inflight.get(key) === flight) this.inflight.delete(key);
        throw error;
      },
    );
    this.inflight.set(key, flight);
    return flight;
  }

  private load(key: string, loader: CacheLoader<V>): Promise<V | undefined> {
    this.loads++;
    // The executor turns a loader that throws synchronously into a rejection like any other.
    return new Promise<V | undefined>((resolve) => resolve(loader(key))).catch((error: unknown) => {
      this.loadFailures++;
      throw error;
    });
  }
}
