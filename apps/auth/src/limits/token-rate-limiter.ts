import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { Counter, Registry } from 'prom-client';
import { TokenLimitsConfig } from '@libs/config';
import { Keyspace, REDIS } from '@libs/redis';

/** Outcome of a rate-limit check: allowed, or refused with seconds until the window frees. */
export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

const ALLOWED: RateDecision = { allowed: true };

/**
 * Per-client token request limit (`rate_limit` requests per window) counted in Redis so every
 * auth pod shares it. While Redis is unreachable an in-memory limiter of the same size takes
 * over in each pod (the "insurance"), so tokens keep flowing for cached clients but never
 * without a limit. One limiter per distinct limit value, created on first use.
 */
@Injectable()
export class TokenRateLimiter {
  private readonly limiters = new Map<number, RateLimiterRedis>();
  private readonly rejections: Counter<'reason'>;

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
  }

  async consume(clientId: string, limit: number | null): Promise<RateDecision> {
    try {
      // The client id in braces is the Redis Cluster hash tag of the counter key.
      await this.limiter(limit ?? this.config.defaultRateLimit).consume(`{${clientId}}`);
      return ALLOWED;
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      this.rejections.inc({ reason: 'client_rate' });
      return { allowed: false, retryAfterSeconds: error.msBeforeNext / 1000 };
    }
  }

  private limiter(points: number): RateLimiterRedis {
    let limiter = this.limiters.get(points);
    if (!limiter) {
      const duration = this.config.windowSeconds;
      limiter = new RateLimiterRedis({
        storeClient: this.redis,
        keyPrefix: this.keyspace.key(`ratelimit:${points}`),
        points,
        duration,
        rejectIfRedisNotReady: true,
        insuranceLimiter: new RateLimiterMemory({ points, duration }),
      });
      this.limiters.set(points, limiter);
    }
    return limiter;
  }
}
