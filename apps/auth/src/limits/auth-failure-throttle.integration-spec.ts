import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { TokenLimitsConfig } from '@libs/config';
import { Keyspace } from '@libs/redis';
import { testRedisUrl, uniquePrefix } from '@libs/testing';
import { AuthFailureThrottle } from './auth-failure-throttle';

describe('AuthFailureThrottle', () => {
  let redis: Redis;

  beforeAll(async () => {
    redis = new Redis(testRedisUrl());
    await redis.ping();
  });

  afterAll(() => redis.disconnect());

  // Two failures per client id, a one-second window.
  const throttle = () =>
    new AuthFailureThrottle(
      redis,
      new Keyspace(uniquePrefix('authfail')),
      new TokenLimitsConfig(6000, 60, 2, 50, 1),
      new Registry(),
    );
  const failTimes = async (t: AuthFailureThrottle, clientId: string, n: number) => {
    for (let i = 0; i < n; i++) await t.recordFailure(clientId, '192.0.2.1');
  };

  it('blocks a client id past its failures until the window ends, without lockout', async () => {
    const t = throttle();
    await failTimes(t, 'guessed', 3);
    const blocked = t.blockedFor('guessed', '192.0.2.9');
    expect(blocked).toBeGreaterThan(0);
    expect(blocked).toBeLessThanOrEqual(1);
    await new Promise((r) => setTimeout(r, blocked * 1000 + 50));
    expect(t.blockedFor('guessed', '192.0.2.9')).toBe(0);
  });

  it('forgets ended blocks of ids never seen again', async () => {
    const t = throttle();
    const blocks = (t as unknown as { blockedUntil: Map<string, number> }).blockedUntil;
    await failTimes(t, 'made-up-1', 3);
    expect([...blocks.keys()]).toEqual(['c:made-up-1']);
    await new Promise((r) => setTimeout(r, 1_100));
    await failTimes(t, 'made-up-2', 3);
    expect([...blocks.keys()]).toEqual(['c:made-up-2']);
  });
});
