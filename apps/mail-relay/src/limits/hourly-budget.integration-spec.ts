import { Redis } from 'ioredis';
import { Keyspace } from '@libs/redis';
import { testRedisUrl, uniquePrefix } from '@libs/testing';
import { HourlyBudgets, type BudgetClaim } from './hourly-budget';
import { TokenBucket } from './token-bucket';

// Two HourlyBudgets on two connections stand for two relay pods sharing one Redis; each pod has
// its own in-memory bucket for the account, as the relay keeps one per account.
describe('HourlyBudgets (shared through Redis)', () => {
  const connections: Redis[] = [];
  let keyspace: Keyspace;

  const pod = async (redis = new Redis(testRedisUrl())) => {
    connections.push(redis);
    if (redis.options.port !== 1) await redis.ping();
    return new HourlyBudgets(redis, keyspace);
  };
  const allowed = (claims: BudgetClaim[]) => claims.filter((c) => c.allowed).length;

  beforeEach(() => {
    keyspace = new Keyspace(uniquePrefix('mailbudget'));
  });

  afterAll(() => connections.forEach((c) => c.disconnect()));

  it('lets every pod together send the budget and no more, and says when the next may go', async () => {
    const [a, b] = await Promise.all([pod(), pod()]);
    const [bucketA, bucketB] = [new TokenBucket(3), new TokenBucket(3)];
    const claims = [
      await a.claim('x@example.com', bucketA),
      await b.claim('x@example.com', bucketB),
      await a.claim('x@example.com', bucketA),
      await a.claim('x@example.com', bucketA),
    ];
    expect(allowed(claims)).toBe(3);
    const refused = claims.at(-1) as { allowed: false; retryAfterMs: number };
    // One token comes back every 20 minutes at 3 per hour.
    expect(refused.retryAfterMs).toBeGreaterThan(1_190_000);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(1_200_000);
    // The pod that was refused knows it before asking again (MAIL FROM); the other does not yet.
    expect(a.knownWait(bucketA)).toBeGreaterThan(0);
    expect(b.knownWait(bucketB)).toBe(0);
    // Other mailboxes have their own budget.
    expect((await b.claim('y@example.com', new TokenBucket(3))).allowed).toBe(true);
  });

  it('takes a refunded message back into the shared budget', async () => {
    const [a, b] = await Promise.all([pod(), pod()]);
    const first = await a.claim('r@example.com', new TokenBucket(1));
    expect(first.allowed).toBe(true);
    expect((await b.claim('r@example.com', new TokenBucket(1))).allowed).toBe(false);
    if (first.allowed) first.refund();
    await new Promise((r) => setTimeout(r, 50));
    expect((await b.claim('r@example.com', new TokenBucket(1))).allowed).toBe(true);
  });

  it('leaves accounts without a budget unlimited', async () => {
    const a = await pod();
    const claims = await Promise.all(
      Array.from({ length: 5 }, () => a.claim('u@x.org', undefined)),
    );
    expect(allowed(claims)).toBe(5);
  });

  it('falls back to the pod bucket while Redis is unreachable', async () => {
    const down = await pod(new Redis({ port: 1, lazyConnect: true, enableOfflineQueue: false }));
    const bucket = new TokenBucket(2);
    const claims = [];
    for (let i = 0; i < 3; i++) claims.push(await down.claim('d@example.com', bucket));
    expect(allowed(claims)).toBe(2);
    expect(down.knownWait(bucket)).toBeGreaterThan(0);
  });
});
