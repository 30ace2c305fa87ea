import { newEventId } from './event-id';

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const millis = (id: string) => parseInt(id.replace(/-/g, '').slice(0, 12), 16);

describe('newEventId', () => {
  it('makes distinct UUIDv7 ids across many refills of its random pool, in time order', () => {
    const before = Date.now();
    const ids = Array.from({ length: 10_000 }, () => newEventId());
    const after = Date.now();
    expect(ids.filter((id) => !V7.test(id))).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    const times = ids.map(millis);
    expect(Math.min(...times)).toBeGreaterThanOrEqual(before);
    expect(Math.max(...times)).toBeLessThanOrEqual(after);
    expect(times.every((t, i) => i === 0 || t >= times[i - 1])).toBe(true);
  });
});
