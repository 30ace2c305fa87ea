import { ExpiredEntries } from './expired-entries';

describe('ExpiredEntries', () => {
  const setUp = () => {
    const until = new Map([
      ['a', 1_000],
      ['b', 5_000],
    ]);
    return { until, entries: new ExpiredEntries(until, (at: number, now) => at <= now, 2_000) };
  };

  it('drops what ran out and keeps the rest', () => {
    const { until, entries } = setUp();
    entries.sweep(1_000);
    expect([...until.keys()]).toEqual(['b']);
  });

  it('sweeps at most once per period', () => {
    const { until, entries } = setUp();
    entries.sweep(500);
    until.set('c', 600);
    entries.sweep(2_400);
    expect(until.has('c')).toBe(true);
    entries.sweep(2_500);
    expect([...until.keys()]).toEqual(['b']);
  });
});
