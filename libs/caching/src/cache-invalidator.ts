import { Logger } from '@nestjs/common';

/** What {@link CacheInvalidator} needs from a cache (an `L1Cache` has it). */
export interface InvalidatableCache {
  /** Forgets one key. */
  invalidate(key: string): void;
  /** Forgets every key. */
  clear(): void;
  /** While true, the cache serves nothing it holds and keeps nothing it loads. */
  setBypass(bypassed: boolean): void;
}

/** Options of a {@link CacheInvalidator}. */
export interface CacheInvalidatorOptions {
  /** Bypass the cache until the feed first reports healthy (only for feeds that report health). */
  bypassUntilHealthy?: boolean;
}

/**
 * Applies a change feed to an in-process cache: keys named by change events are evicted; a gap
 * (entries may have been missed) clears the cache; while the feed is unhealthy the cache is
 * cleared and bypassed, so a suspended or revoked client is never answered from stale memory.
 *
 * Its methods match the fan-out subscription's handlers: wire `onGap` and `onHealth` directly
 * and map each batch of entries to the keys they name for `onChange`.
 */
export class CacheInvalidator {
  private readonly logger = new Logger(CacheInvalidator.name);
  private healthy: boolean;

  constructor(
    private readonly cache: InvalidatableCache,
    options: CacheInvalidatorOptions = {},
  ) {
    this.healthy = !options.bypassUntilHealthy;
    if (!this.healthy) cache.setBypass(true);
  }

  /** Evicts the keys named by a batch of change events. */
  onChange(keys: Iterable<string>): void {
    for (const key of keys) this.cache.invalidate(key);
  }

  /** The feed may have missed entries (stream trimmed or gone, long disconnect): forget all. */
  onGap(reason: string): void {
    this.logger.warn(`change feed gap (${reason}): clearing the cache`);
    this.cache.clear();
  }

  /** Feed health changed: clear and bypass while unhealthy, use the cache again once healthy. */
  onHealth(healthy: boolean): void {
    if (healthy === this.healthy) return;
    this.healthy = healthy;
    if (healthy) this.logger.log('change feed healthy again: cache back in use');
    else this.logger.warn('change feed unhealthy: cache cleared and bypassed');
    this.cache.setBypass(!healthy);
  }

  /** Whether the feed was last reported healthy. */
  get isHealthy(): boolean {
    return this.healthy;
  }
}
