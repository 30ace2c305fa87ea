import { Backoff } from './backoff';

describe('Backoff', () => {
  it('doubles per attempt up to the maximum, with half of it random', () => {
    const low = new Backoff(100, 1_000, () => 0);
    const high = new Backoff(100, 1_000, () => 1);
    expect([1, 2, 3, 4, 5, 6].map((a) => low.delayMs(a))).toEqual([50, 100, 200, 400, 500, 500]);
    expect([1, 2, 3, 4, 5, 6].map((a) => high.delayMs(a))).toEqual([
      100, 200, 400, 800, 1_000, 1_000,
    ]);
  });

  it('spreads equal attempts apart', () => {
    let seed = 1;
    const random = () => (seed = (seed * 16_807) % 2_147_483_647) / 2_147_483_647;
    const backoff = new Backoff(1_000, 60_000, random);
    const delays = new Set(Array.from({ length: 20 }, () => backoff.delayMs(3)));
    expect(delays.size).toBeGreaterThan(15);
    for (const d of delays) expect(d).toBeGreaterThanOrEqual(2_000);
    for (const d of delays) expect(d).toBeLessThanOrEqual(4_000);
  });

  it('waits at least as long as Retry-After after a 429, within the maximum', () => {
    const backoff = new Backoff(100, 5_000, () => 0);
    expect(backoff.afterTooManyRequests(1, '2')).toBe(2_000);
    expect(backoff.afterTooManyRequests(1, '600')).toBe(5_000);
    expect(backoff.afterTooManyRequests(1, undefined)).toBe(50);
    expect(backoff.afterTooManyRequests(1, 'soon')).toBe(50);
  });
});
