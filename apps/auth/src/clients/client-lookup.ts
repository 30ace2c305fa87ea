import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { Registry } from 'prom-client';
import {
  CacheInvalidator,
  CacheKeys,
  L1Cache,
  RedisJsonCache,
  registerCacheMetrics,
} from '@libs/caching';
import { ClientCacheConfig, ClientL1Config, RedisConfig } from '@libs/config';
import { FanoutSubscription, RpcClient, Streams, type ReceivedMessage } from '@libs/messaging';
import { RemoteError, type ClientChangedEvent, type ClientRecord } from '@libs/models';
import { REDIS } from '@libs/redis';
import { compileClient, type AuthClient } from './auth-client';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NOT_FOUND = 65006;
const RPC_TIMEOUT_MS = 2_000;

/**
 * Client records for the token path: L1 (in-process LRU, single-flight, negative cache) →
 * L2 (Redis `client:{id}`, filled by the registry) → registry RPC `clients.get`. The L1 is
 * invalidated by `stream:client-registry.changes`; while that feed is unhealthy (and until it
 * first is healthy) the L1 is cleared and bypassed, so no stale suspended or revoked client is
 * ever served from memory.
 */
@Injectable()
export class ClientLookup implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ClientLookup.name);
  readonly cache: L1Cache<AuthClient>;
  private readonly l2: RedisJsonCache<ClientRecord>;
  private readonly invalidator: CacheInvalidator;
  private readonly feed: FanoutSubscription;

  constructor(
    @Inject(REDIS) redis: Redis,
    private readonly keys: CacheKeys,
    private readonly rpc: RpcClient,
    private readonly dataSource: DataSource,
    private readonly l1Config: ClientL1Config,
    l2: ClientCacheConfig,
    redisConfig: RedisConfig,
    registry: Registry,
  ) {
    this.cache = new L1Cache<AuthClient>({ max: l1Config.max, ttlMs: l1Config.ttlMs });
    this.l2 = new RedisJsonCache<ClientRecord>(redis, { ttlMs: l2.ttlSeconds * 1000 });
    this.invalidator = new CacheInvalidator(this.cache, { bypassUntilHealthy: true });
    this.feed = new FanoutSubscription({
      redis: redisConfig,
      stream: Streams.ClientRegistryChanges,
      handlers: {
        onEntries: (messages) => this.invalidator.onChange(clientIds(messages)),
        onGap: (reason) => this.invalidator.onGap(reason),
        onHealth: (healthy) => this.invalidator.onHealth(healthy),
      },
    });
    registerCacheMetrics(registry, 'auth_clients', this.cache);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.feed.start();
    void this.warmUp();
  }

  /**
   * Loads the clients that most recently obtained tokens (CLIENT_CACHE_WARM of them) so the
   * first requests after a start or deploy hit L1. Runs in the background; failures only log.
   */
  async warmUp(): Promise<number> {
    if (this.l1Config.warm === 0) return 0;
    try {
      // Until the invalidation feed is healthy the L1 is bypassed and would keep nothing.
      for (let waited = 0; !this.invalidator.isHealthy && waited < 30_000; waited += 100) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const rows = (await this.dataSource.query(
        `SELECT client_id::text AS id FROM auth.issued_tokens
         WHERE issued_at > now() - interval '1 day'
         GROUP BY client_id ORDER BY max(issued_at) DESC LIMIT $1`,
        [this.l1Config.warm],
      )) as { id: string }[];
      // Loads go through L1's single flight; a few at a time keep the registry unbothered.
      for (let i = 0; i < rows.length; i += 20)
        await Promise.all(rows.slice(i, i + 20).map((r) => this.get(r.id)));
      this.logger.log(`client cache warmed with ${rows.length} recently active clients`);
      return rows.length;
    } catch (error) {
      this.logger.warn(`client cache warm-up skipped: ${(error as Error).message}`);
      return 0;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.feed.close();
  }

  /** The cached client, synchronously (the token path's fast lane). */
  getIfPresent(clientId: string): AuthClient | undefined {
    return this.cache.getIfPresent(clientId);
  }

  /** The client, loaded through L2 and the registry on an L1 miss; undefined when unknown. */
  get(clientId: string): Promise<AuthClient | undefined> {
    return this.cache.get(clientId, (id) => this.load(id));
  }

  /** Whether the invalidation feed is healthy (L1 in use). */
  get feedHealthy(): boolean {
    return this.invalidator.isHealthy;
  }

  private async load(clientId: string): Promise<AuthClient | undefined> {
    // Not a uuid: cannot exist, and must not cost a Redis or registry round trip.
    if (!UUID.test(clientId)) return undefined;
    try {
      const cached = await this.l2.get(this.keys.client(clientId));
      if (cached) return compileClient(cached);
    } catch (error) {
      this.logger.warn({ err: error }, 'Redis client cache unavailable; asking the registry');
    }
    try {
      const record = await this.rpc.request<ClientRecord>(
        'client-registry',
        'clients.get',
        { client_id: clientId },
        { timeoutMs: RPC_TIMEOUT_MS },
      );
      return compileClient(record);
    } catch (error) {
      if (error instanceof RemoteError && error.code === NOT_FOUND) return undefined;
      throw error;
    }
  }
}

function clientIds(messages: readonly ReceivedMessage[]): string[] {
  return messages
    .map((m) => (m.envelope.payload as Partial<ClientChangedEvent> | undefined)?.client_id)
    .filter((id): id is string => typeof id === 'string');
}
