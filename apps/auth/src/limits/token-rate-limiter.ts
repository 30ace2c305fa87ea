import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { Counter, Registry } from 'prom-client';
import { TokenLimitsConfig } from '@libs/config';
import { Keyspace, luaCommand, REDIS, type LuaCommand } from '@libs/redis';
import { ExpiredEntries } from './expired-entries';
import { leaseSize, RateLease } from './rate-lease';

/** Outcome of a rate-limit check: allowed, or refused with seconds until the window frees. */
export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

const ALLOWED: RateDecision = { allowed: true };

// Grants up to ARGV[2] of the window's remaining points (limit ARGV[1]) and answers
// { granted, ms until the window ends }. The window starts with its first grant (fixed window).
const LEASE = `
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local grant = math.min(tonumber(ARGV[2]), tonumber(ARGV[1]) - used)
if grant > 0 then
  redis.call('INCRBY', KEYS[1], grant)
  if used == 0 then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
else
  grant = 0
end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then ttl = tonumber(ARGV[3]) end
return { grant, ttl }`;

type LeaseCommand = LuaCommand<[limit: number, want: number, windowMs: number], [number, number]>;

/**
 * Per-client token request limit (`rate_limit` requests per window) shared by every auth pod
 * through Redis — without a Redis round trip per token: each pod leases a slice of the window's
 * points (1 % of the limit, at most 100) with one atomic script call and spends it in memory.
 * The limit is never exceeded across pods; a pod can strand at most one unspent slice per client
 * and window, so the worst case admits slightly fewer than `rate_limit`. A window found spent is
 * refused locally until it ends. While Redis is unreachable an in-memory limiter of the same size
 * takes over in each pod (the "insurance"): tokens keep flowing for cached clients, never
 * without a limit.
 */
@Injectable()
export class TokenRateLimiter {
  private readonly leases = new Map<string, RateLease>();
  /** Leases of ended windows: clients that stopped asking for tokens keep no entry. */
  private readonly endedLeases: ExpiredEntries<string, RateLease>;
  private readonly insurance = new Map<number, RateLimiterMemory>();
  private readonly rejections: Counter<'reason'>;
  private readonly lease: LeaseCommand;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly keyspace: Keyspace,
    private readonly config: TokenLimitsConfig,
    registry: Registry,
  ) {
    this.rejections = new Counter({
      name: 'auth_rate_limit_rejections_total',
      help: 'Token requests refused by a rate limit',
      labelNames: ['reason'],
      registers: [registry],
    });
    this.lease = luaCommand(redis, 'porticoLeaseTokens', LEASE);
    this.endedLeases = new ExpiredEntries(
      this.leases,
      (lease, now) => lease.endsAt <= now,
      config.windowSeconds * 1000,
    );
  }

  async consume(clientId: string, limit: number | null): Promise<RateDecision> {
    const points = limit ?? this.config.defaultRateLimit;
    for (;;) {
      const now = Date.now();
      let lease = this.leases.get(clientId);
      if (!lease || lease.points !== points || lease.endsAt <= now) {
        this.endedLeases.sweep(now);
        lease = new RateLease(points);
        this.leases.set(clientId, lease);
      }
      if (lease.take()) return ALLOWED;
      if (lease.spent) return this.refuse(lease.endsAt - now);
      if (this.redis.status !== 'ready') return this.insure(clientId, points);
      try {
        await lease.refill(() => this.acquire(clientId, points));
      } catch {
        return this.insure(clientId, points);
      }
    }
  }

  private async acquire(clientId: string, points: number): Promise<[number, number]> {
    const windowMs = this.config.windowSeconds * 1000;
    // The client id in braces is the Redis Cluster hash tag of the counter key.
    const key = this.keyspace.key(`ratelimit:${points}:{${clientId}}`);
    const [granted, ttlMs] = await this.lease(key, points, leaseSize(points), windowMs);
    return [Number(granted), Number(ttlMs)];
  }

  private async insure(clientId: string, points: number): Promise<RateDecision> {
    let limiter = this.insurance.get(points);
    if (!limiter) {
      limiter = new RateLimiterMemory({ points, duration: this.config.windowSeconds });
      this.insurance.set(points, limiter);
    }
    try {
      await limiter.consume(clientId);
      return ALLOWED;
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      return this.refuse(error.msBeforeNext);
    }
  }

  private refuse(msBeforeNext: number): RateDecision {
    this.rejections.inc({ reason: 'client_rate' });
    return { allowed: false, retryAfterSeconds: Math.max(msBeforeNext, 1) / 1000 };
  }
}
