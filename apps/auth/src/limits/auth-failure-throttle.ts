import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { Counter, Registry } from 'prom-client';
import { TokenLimitsConfig } from '@libs/config';
import { Keyspace, REDIS } from '@libs/redis';
import { ExpiredEntries } from './expired-entries';

/**
 * Slows down secret guessing: failed authentications are counted per client id and per source
 * IP (in Redis, shared by all pods); past the limit that key is refused until its window ends,
 * then it may try again (no permanent lockout). Only failures touch Redis: the success path
 * checks an in-process map of keys known to be blocked.
 */
@Injectable()
export class AuthFailureThrottle {
  private readonly byClient: RateLimiterRedis;
  private readonly byIp: RateLimiterRedis;
  private readonly blockedUntil = new Map<string, number>();
  /** Blocks that ran out for keys never seen again (source IPs, made-up client ids). */
  private readonly endedBlocks: ExpiredEntries<string, number>;
  private readonly failures: Counter<'kind'>;

  constructor(
    @Inject(REDIS) redis: Redis,
    keyspace: Keyspace,
    config: TokenLimitsConfig,
    registry: Registry,
  ) {
    const limiter = (name: string, points: number) =>
      new RateLimiterRedis({
        storeClient: redis,
        keyPrefix: keyspace.key(`authfail:${name}`),
        points,
        duration: config.failureWindowSeconds,
        rejectIfRedisNotReady: true,
        insuranceLimiter: new RateLimiterMemory({ points, duration: config.failureWindowSeconds }),
      });
    this.byClient = limiter('client', config.failuresPerClient);
    this.byIp = limiter('ip', config.failuresPerIp);
    this.failures = new Counter({
      name: 'auth_failures_total',
      help: 'Failed client authentications, and requests refused while throttled',
      labelNames: ['kind'],
      registers: [registry],
    });
    this.endedBlocks = new ExpiredEntries(
      this.blockedUntil,
      (until, now) => until <= now,
      config.failureWindowSeconds * 1000,
    );
  }

  /** Seconds until `clientId` / `ip` may try again, or 0 when neither is blocked. */
  blockedFor(clientId: string, ip: string, now = Date.now()): number {
    const until = Math.max(this.until(`c:${clientId}`, now), this.until(`i:${ip}`, now));
    if (until > 0) this.failures.inc({ kind: 'throttled' });
    return until > 0 ? (until - now) / 1000 : 0;
  }

  /** Counts a failure; the keys that went over their limit are blocked locally at once. */
  async recordFailure(clientId: string, ip: string): Promise<void> {
    this.failures.inc({ kind: 'failed' });
    await Promise.all([
      this.count(this.byClient, `{${clientId}}`, `c:${clientId}`),
      this.count(this.byIp, `{${ip}}`, `i:${ip}`),
    ]);
  }

  private async count(limiter: RateLimiterRedis, key: string, local: string): Promise<void> {
    try {
      await limiter.consume(key);
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      const now = Date.now();
      this.endedBlocks.sweep(now);
      this.blockedUntil.set(local, now + error.msBeforeNext);
    }
  }

  private until(key: string, now: number): number {
    const until = this.blockedUntil.get(key);
    if (until === undefined) return 0;
    if (until > now) return until;
    this.blockedUntil.delete(key);
    return 0;
  }
}
