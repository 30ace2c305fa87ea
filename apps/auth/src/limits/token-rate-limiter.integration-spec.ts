import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { TokenLimitsConfig } from '@libs/config';
import { Keyspace } from '@libs/redis';
import { testRedisUrl, uniquePrefix } from '@libs/testing';
import { leaseSize } from './rate-lease';
import { TokenRateLimiter, type RateDecision } from './token-rate-limiter';

// Two limiters on two connections stand for two auth pods sharing one Redis.
describe('TokenRateLimiter (Redis leases)', () => {
  const connections: Redis[] = [];
  let keyspace: Keyspace;

  const pod = async (windowSeconds = 60) => {
    const redis = new Redis(testRedisUrl());
    connections.push(redis);
    await redis.ping();
    const config = new TokenLimitsConfig(6000, windowSeconds, 10, 50, 300);
    return { redis, limiter: new TokenRateLimiter(redis, keyspace, config, new Registry()) };
  };
  const allowedCount = (decisions: RateDecision[]) => decisions.filter((d) => d.allowed).length;
  const counter = (redis: Redis, points: number, clientId: string) =>
    redis.get(keyspace.key(`ratelimit:${points}:{${clientId}}`));

  beforeEach(() => {
    keyspace = new Keyspace(uniquePrefix('ratelimit'));
  });

  afterAll(async () => {
    connections.forEach((c) => c.disconnect());
  });

  it('never admits more than the limit across pods, and says when the window frees', async () => {
    const [a, b] = await Promise.all([pod(), pod()]);
    const decisions = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).limiter.consume('c1', 5)),
    );
    expect(allowedCount(decisions)).toBe(5);
    const refused = decisions.find((d) => !d.allowed);
    expect(refused).toMatchObject({ allowed: false });
    const retry = (refused as { retryAfterSeconds: number }).retryAfterSeconds;
    expect(retry).toBeGreaterThan(0);
    expect(retry).toBeLessThanOrEqual(60);
  });

  it('leases slices of the window: one Redis call per slice, at most one slice stranded per pod', async () => {
    const [a, b] = await Promise.all([pod(), pod()]);
    const limit = 1_000;
    const decisions: RateDecision[] = [];
    for (let round = 0; round < 30; round++) {
      decisions.push(
        ...(await Promise.all(
          Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).limiter.consume('c2', limit)),
        )),
      );
    }
    const allowed = allowedCount(decisions);
    expect(allowed).toBeLessThanOrEqual(limit);
    expect(allowed).toBeGreaterThanOrEqual(limit - 2 * leaseSize(limit));
    expect(Number(await counter(a.redis, limit, 'c2'))).toBe(limit);
  });

  it('asks Redis for a slice, not for every request', async () => {
    const { redis, limiter } = await pod();
    for (let i = 0; i < 250; i++) expect((await limiter.consume('c3', 100_000)).allowed).toBe(true);
    // 250 requests took three slices of 100 (the counter is what Redis granted).
    expect(Number(await counter(redis, 100_000, 'c3'))).toBe(300);
  });

  it('starts a new window once the old one ended', async () => {
    const { limiter } = await pod(1);
    expect(allowedCount(await Promise.all([1, 2, 3].map(() => limiter.consume('c4', 2))))).toBe(2);
    const refused = await limiter.consume('c4', 2);
    expect(refused.allowed).toBe(false);
    await new Promise((r) =>
      setTimeout(r, (refused as { retryAfterSeconds: number }).retryAfterSeconds * 1000 + 50),
    );
    expect((await limiter.consume('c4', 2)).allowed).toBe(true);
  });

  it('keeps no lease for a client whose window ended', async () => {
    const { limiter } = await pod(1);
    const leases = (limiter as unknown as { leases: Map<string, unknown> }).leases;
    expect((await limiter.consume('c6', 2)).allowed).toBe(true);
    await new Promise((r) => setTimeout(r, 1_100));
    expect((await limiter.consume('c7', 2)).allowed).toBe(true);
    expect([...leases.keys()]).toEqual(['c7']);
  });

  it('limits in memory while Redis is unreachable', async () => {
    const down = new Redis({ port: 1, lazyConnect: true, enableOfflineQueue: false });
    connections.push(down);
    const limiter = new TokenRateLimiter(
      down,
      keyspace,
      new TokenLimitsConfig(6000, 60, 10, 50, 300),
      new Registry(),
    );
    const decisions = await Promise.all(Array.from({ length: 8 }, () => limiter.consume('c5', 3)));
    expect(allowedCount(decisions)).toBe(3);
  });
});
