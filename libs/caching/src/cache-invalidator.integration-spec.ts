import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { RedisConfig } from '@libs/config';
import { closeRedis, createRedis, Keyspace } from '@libs/redis';
import { PrivateRedis, testRedisUrl, uniquePrefix, waitFor } from '@libs/testing';
import { CacheInvalidator } from './cache-invalidator';
import { CacheKeys } from './cache-keys';
import { L1Cache } from './l1-cache';
import { RedisJsonCache } from './redis-json-cache';

interface Client {
  clientId: string;
  status: 'ACTIVE' | 'SUSPENDED';
  version: number;
}

interface FeedHandlers {
  onChange(keys: string[]): void;
  onHealth(healthy: boolean): void;
}

/**
 * Stand-in for the messaging fan-out (this lib must not depend on it): tails a stream with
 * XREAD, hands the client ids of new entries to onChange, and reports health as reads fail or
 * succeed again.
 */
class ChangeTail {
  private stopped = false;
  private healthy = true;
  private lastId = '0-0';
  private done: Promise<void> = Promise.resolve();

  constructor(
    private readonly redis: Redis,
    private readonly stream: string,
    private readonly handlers: FeedHandlers,
  ) {}

  async start(): Promise<void> {
    const [last] = await this.redis.xrevrange(this.stream, '+', '-', 'COUNT', 1);
    this.lastId = last?.[0] ?? '0-0';
    this.done = this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      try {
        const batches = await this.redis.xread('BLOCK', 100, 'STREAMS', this.stream, this.lastId);
        this.report(true);
        for (const [, entries] of batches ?? []) {
          this.lastId = entries[entries.length - 1][0];
          this.handlers.onChange(entries.map(([, fields]) => fields[1]));
        }
      } catch {
        this.report(false);
        await sleep(50);
      }
    }
  }

  private report(healthy: boolean): void {
    if (healthy === this.healthy) return;
    this.healthy = healthy;
    this.handlers.onHealth(healthy);
  }
}

describe('CacheInvalidator driven by a change stream (real Redis)', () => {
  const prefix = uniquePrefix('inv');
  const keys = new CacheKeys(new Keyspace(prefix));
  const stream = `${prefix}stream:client-registry.changes`;
  const redis = createRedis(new RedisConfig(testRedisUrl(), prefix));
  const l2 = new RedisJsonCache<Client>(redis, { ttlMs: 60_000 });
  // The registry's table: the source of truth behind the L2.
  const registry = new Map<string, Client>();
  const loader = jest.fn(async (clientId: string) => {
    const cached = await l2.get(keys.client(clientId));
    if (cached) return cached;
    const row = registry.get(clientId);
    if (row) await l2.set(keys.client(clientId), row, row.version);
    return row;
  });
  const cache = new L1Cache<Client>();
  const invalidator = new CacheInvalidator(cache);
  let feedServer: PrivateRedis;
  let feed: Redis;
  let publisher: Redis;
  let tail: ChangeTail;

  /** What client-registry does on a write: row, then L2 tombstone, then the change event. */
  async function suspend(clientId: string, publish = true): Promise<void> {
    const row = registry.get(clientId)!;
    const next: Client = { ...row, status: 'SUSPENDED', version: row.version + 1 };
    registry.set(clientId, next);
    await l2.delete(keys.client(clientId), next.version);
    if (publish) await publisher.xadd(stream, '*', 'clientId', clientId);
  }

  beforeAll(async () => {
    feedServer = await PrivateRedis.start();
    const config = new RedisConfig(feedServer.url, prefix);
    feed = createRedis(config);
    publisher = createRedis(config);
    tail = new ChangeTail(feed, stream, {
      onChange: (ids) => invalidator.onChange(ids),
      onHealth: (healthy) => invalidator.onHealth(healthy),
    });
    await tail.start();
  });

  afterAll(async () => {
    const stopped = tail.stop();
    feed.disconnect(); // fails a read that waits on a dead server at once
    await stopped;
    await Promise.all([closeRedis(publisher), closeRedis(redis)]);
    await feedServer.kill();
  });

  /** A new active client in the registry; its id. */
  function addClient(): string {
    const clientId = randomUUID();
    registry.set(clientId, { clientId, status: 'ACTIVE', version: 1 });
    return clientId;
  }

  beforeEach(() => loader.mockClear());

  it('evicts the client a change event names, so the next read sees the change', async () => {
    const [a, b] = [addClient(), addClient()];
    await cache.get(a, loader);
    await cache.get(b, loader);
    await suspend(a);
    await waitFor('eviction of a', () => cache.getIfPresent(a) === undefined);
    expect((await cache.get(a, loader))?.status).toBe('SUSPENDED');
    expect(cache.getIfPresent(b)?.status).toBe('ACTIVE');
  });

  it('clears and bypasses L1 while the feed is down and caches again once it is back', async () => {
    const [a, b] = [addClient(), addClient()];
    await cache.get(a, loader);
    await cache.get(b, loader);
    await feedServer.kill();
    await waitFor('bypass', () => cache.isBypassed);
    expect(cache.stats().size).toBe(0);
    loader.mockClear();

    // The change event cannot be delivered now; the suspended client must still be seen.
    await suspend(a, false);
    for (let i = 0; i < 3; i++) expect((await cache.get(a, loader))?.status).toBe('SUSPENDED');
    expect(cache.getIfPresent(b)).toBeUndefined();
    expect(loader).toHaveBeenCalledTimes(3);
    expect(cache.stats().size).toBe(0);

    await feedServer.resume();
    await waitFor('recovery', () => !cache.isBypassed);
    loader.mockClear();
    await cache.get(a, loader);
    expect(cache.getIfPresent(a)?.status).toBe('SUSPENDED');
    expect(loader).toHaveBeenCalledTimes(1);

    // Invalidation works again after the outage.
    await cache.get(b, loader);
    await suspend(b);
    await waitFor('eviction of b', () => cache.getIfPresent(b) === undefined);
  });
});
