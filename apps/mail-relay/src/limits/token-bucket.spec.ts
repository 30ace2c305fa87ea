import { TokenBucket } from './token-bucket';

describe('hourly token bucket', () => {
  let now = 0;
  const clock = () => now;

  beforeEach(() => {
    now = 1_000_000;
  });

  it('allows a full hour of budget at once, then refills continuously', () => {
    const bucket = new TokenBucket(3, clock);
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([
      true,
      true,
      true,
      false,
    ]);
    expect(bucket.retryAfterMs()).toBe(1_200_000);
    now += 1_200_000;
    expect(bucket.retryAfterMs()).toBe(0);
    expect(bucket.take()).toBe(true);
    expect(bucket.take()).toBe(false);
  });

  it('gives back a refunded token, never above capacity', () => {
    const bucket = new TokenBucket(2, clock);
    bucket.take();
    bucket.refund();
    bucket.refund();
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, false]);
  });

  it('keeps what was spent when resized by a reload', () => {
    const bucket = new TokenBucket(10, clock);
    for (let i = 0; i < 8; i++) bucket.take();
    bucket.resize(5);
    expect(bucket.capacity).toBe(5);
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, false]);
  });
});
