import { Logger } from '@nestjs/common';
import type { DevCredentials, ProviderClientsConfig } from '@libs/config';
import { LRUCache } from 'lru-cache';
import {
  buildProviderClient,
  devFallback,
  type ProviderClient,
  type ProviderClientFactoryOptions,
  type ProviderClientMap,
} from './provider-client.factory';
import { ProviderClientError, ProviderClientErrorCode } from './provider-client.errors';
import type { ProviderCredentials, ProviderName } from './provider.types';

/** Reads a user's decrypted credentials (the registry's `credentials.get`); undefined when none. */
export type CredentialsLoader = (
  userId: string,
  provider: ProviderName,
) => Promise<ProviderCredentials | undefined>;

export interface ProviderClientManagerOptions extends ProviderClientFactoryOptions {
  loadCredentials: CredentialsLoader;
  /** Most cached clients (default 100). */
  maxClients?: number;
  /** Lifetime of a cached client from its creation (ms; default 30 min). */
  ttlMs?: number;
  /** Used only in development, for users without credentials of their own. */
  devCredentials?: DevCredentials;
  /** How often expired clients are disposed of (ms; default 60 s; 0: only on access). */
  sweepIntervalMs?: number;
  /** For tests: the clock of TTLs (ms). */
  now?: () => number;
}

/** Cache statistics (snake_case: served as JSON by admin endpoints). */
export interface ProviderClientStats {
  cached_clients: number;
  max_clients: number;
  /** Seconds. */
  cache_ttl: number;
  hits: number;
  misses: number;
  hit_rate: number;
  created: number;
  evicted: number;
  expired: number;
  invalidated: number;
}

interface Entry {
  readonly client: ProviderClient;
  readonly userId: string;
  readonly provider: ProviderName;
  readonly dev: boolean;
}

/** A creation in progress; `stale` when the credentials changed while they were being read. */
interface Flight {
  readonly promise: Promise<Entry>;
  readonly state: { stale: boolean };
}

const MAX_RELOADS = 3;
const keyOf = (userId: string, provider: ProviderName) => `${provider}:${userId}`;

/**
 * Provider clients by (user, provider): an LRU with a TTL, created once however many callers
 * ask at the same time, disposed of when evicted, expired or invalidated.
 */
export class ProviderClientManager {
  private readonly logger = new Logger(ProviderClientManager.name);
  readonly #cache: LRUCache<string, Entry>;
  readonly #inflight = new Map<string, Flight>();
  readonly #counts = { hits: 0, misses: 0, created: 0, evicted: 0, expired: 0, invalidated: 0 };
  readonly #timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: ProviderClientManagerOptions) {
    const now = options.now;
    this.#cache = new LRUCache<string, Entry>({
      max: options.maxClients ?? 100,
      ttl: options.ttlMs ?? 30 * 60_000,
      // An injected clock is read on every check (lru-cache otherwise caches it for 1 ms).
      ...(now ? { perf: { now }, ttlResolution: 0 } : {}),
      dispose: (entry, _key, reason) => this.#disposed(entry, reason),
    });
    const sweepMs = options.sweepIntervalMs ?? 60_000;
    if (sweepMs > 0) {
      this.#timer = setInterval(() => this.purgeExpired(), sweepMs);
      this.#timer.unref();
    }
  }

  /** A manager sized and timed by the PROVIDER_CLIENT_* configuration. */
  static fromConfig(
    config: ProviderClientsConfig,
    options: Omit<ProviderClientManagerOptions, 'maxClients' | 'ttlMs' | 'devCredentials'>,
  ): ProviderClientManager {
    return new ProviderClientManager({
      discogsUserAgent: config.discogsUserAgent,
      ...options,
      maxClients: config.cacheMax,
      ttlMs: config.cacheTtlMs,
      devCredentials: config.devCredentials,
    });
  }

  /** The client of `userId` at `provider`; ask each time rather than keeping it. */
  get<P extends ProviderName>(userId: string, provider: P): Promise<ProviderClientMap[P]> {
    const key = keyOf(userId, provider);
    const entry = this.#cache.get(key);
    if (!entry) return this.#miss(key, userId, provider);
    // Not async: a hit costs one resolved promise, not an async function's machinery too.
    this.#counts.hits++;
    this.logger.debug(`using cached ${provider} client of user ${userId}`);
    return Promise.resolve(this.#served<P>(entry));
  }

  /** Drops the client of `userId` at `provider` (call it whenever their credentials change). */
  invalidate(userId: string, provider: ProviderName): void {
    const key = keyOf(userId, provider);
    const flight = this.#inflight.get(key);
    if (flight) flight.state.stale = true;
    this.#cache.delete(key);
  }

  /** Disposes of every expired client now; answers how many. */
  purgeExpired(): number {
    const before = this.#counts.expired;
    this.#cache.purgeStale();
    const purged = this.#counts.expired - before;
    if (purged > 0) this.logger.log(`cleaned up ${purged} expired provider clients`);
    return purged;
  }

  /** Cache statistics. */
  get stats(): ProviderClientStats {
    const { hits, misses } = this.#counts;
    return {
      cached_clients: this.#cache.size,
      max_clients: this.#cache.max,
      cache_ttl: this.#cache.ttl / 1000,
      hit_rate: hits + misses === 0 ? 0 : hits / (hits + misses),
      ...this.#counts,
    };
  }

  /** Stops the sweep and disposes of every client. Idempotent. */
  close(): void {
    clearInterval(this.#timer);
    this.#cache.clear();
  }

  async #miss<P extends ProviderName>(
    key: string,
    userId: string,
    provider: P,
  ): Promise<ProviderClientMap[P]> {
    this.#counts.misses++;
    return this.#served<P>(await this.#singleFlight(key, userId, provider));
  }

  #served<P extends ProviderName>(entry: Entry): ProviderClientMap[P] {
    if (entry.dev) {
      this.logger.warn(
        `user ${entry.userId}: using DEVELOPMENT fallback credentials for ${entry.provider}`,
      );
    }
    return entry.client as ProviderClientMap[P];
  }

  #singleFlight(key: string, userId: string, provider: ProviderName): Promise<Entry> {
    const existing = this.#inflight.get(key);
    if (existing) return existing.promise;
    const state = { stale: false };
    const promise = this.#create(key, userId, provider, state).finally(() => {
      if (this.#inflight.get(key)?.promise === promise) this.#inflight.delete(key);
    });
    this.#inflight.set(key, { promise, state });
    return promise;
  }

  async #create(
    key: string,
    userId: string,
    provider: ProviderName,
    flight: Flight['state'],
  ): Promise<Entry> {
    for (let attempt = 1; ; attempt++) {
      flight.stale = false;
      const { credentials, dev } = await this.#credentials(userId, provider);
      // Invalidated while loading: what was read may be the old credentials; read again.
      if (flight.stale && attempt < MAX_RELOADS) continue;
      const entry: Entry = {
        client: buildProviderClient(userId, credentials, this.options),
        userId,
        provider,
        dev,
      };
      this.#counts.created++;
      if (flight.stale) return entry; // still changing: serve it once, cache nothing
      this.#cache.set(key, entry);
      this.logger.log(`created and cached ${provider} client of user ${userId}`);
      return entry;
    }
  }

  async #credentials(
    userId: string,
    provider: ProviderName,
  ): Promise<{ credentials: ProviderCredentials; dev: boolean }> {
    const stored = await this.options.loadCredentials(userId, provider);
    if (stored) {
      if (stored.provider !== provider) {
        throw new ProviderClientError(
          ProviderClientErrorCode.Misconfigured,
          `credentials loader answered ${stored.provider} credentials for ${provider}`,
        );
      }
      return { credentials: stored, dev: false };
    }
    const fallback = devFallback(this.options.devCredentials, provider);
    if (fallback) return { credentials: fallback, dev: true };
    throw new ProviderClientError(
      ProviderClientErrorCode.CredentialsNotFound,
      `user ${userId} has no ${provider} credentials`,
    );
  }

  #disposed(entry: Entry, reason: LRUCache.DisposeReason): void {
    entry.client.dispose();
    const what = `${entry.provider} client of user ${entry.userId}`;
    switch (reason) {
      case 'expire':
        this.#counts.expired++;
        this.logger.debug(`cleaned up expired ${what}`);
        break;
      case 'evict':
        this.#counts.evicted++;
        this.logger.debug(`evicted ${what} (cache full)`);
        break;
      case 'delete':
      case 'set':
      case 'fetch':
        this.#counts.invalidated++;
        this.logger.debug(`disposed of ${what} (${reason})`);
        break;
    }
  }
}
