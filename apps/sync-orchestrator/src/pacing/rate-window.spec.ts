import { RateWindow } from './rate-window';

/** Dispatches `count` requests at `at` and answers them at `answeredAt`. */
function fill(window: RateWindow, count: number, at: number, answeredAt = at): void {
  for (let i = 0; i < count; i++) {
    expect(window.waitMs(at)).toBe(0);
    window.settle(window.acquire(), answeredAt);
  }
}

describe('RateWindow', () => {
  it('lets `limit` requests go at once, then waits until the oldest answer is a window old', () => {
    const window = new RateWindow(3, 1_000);
    fill(window, 1, 0, 10);
    fill(window, 1, 100, 120);
    fill(window, 1, 200, 230);
    expect(window.waitMs(300)).toBe(710);
    expect(window.waitMs(1_010)).toBe(0);
    window.settle(window.acquire(), 1_015);
    expect(window.waitMs(1_015)).toBe(105);
  });

  it('never expires a request that is still in flight', () => {
    const window = new RateWindow(2, 1_000);
    const first = window.acquire();
    window.acquire();
    expect(window.waitMs(50_000)).toBe(Infinity);
    window.settle(first, 50_000);
    expect(window.waitMs(50_500)).toBe(500);
    expect(window.waitMs(51_000)).toBe(0);
  });

  it('frees the slot of a request that was never sent', () => {
    const window = new RateWindow(1, 1_000);
    const slot = window.acquire();
    expect(window.waitMs(0)).toBe(Infinity);
    window.release(slot);
    expect(window.waitMs(0)).toBe(0);
  });

  it('counts requests the user made elsewhere when Discogs reports more used', () => {
    const window = new RateWindow(60, 60_000);
    fill(window, 2, 0);
    window.observe({ limit: 60, used: 59, remaining: 1 }, 1_000);
    expect(window.used(1_000)).toBe(59);
    expect(window.waitMs(1_000)).toBe(0);
    fill(window, 1, 1_000);
    expect(window.waitMs(1_000)).toBe(59_000);
  });

  it('takes a lower limit from the headers but never a higher one than configured', () => {
    const window = new RateWindow(60, 60_000);
    window.observe({ limit: 25 }, 0);
    expect(window.limit).toBe(25);
    window.observe({ limit: 240 }, 0);
    expect(window.limit).toBe(60);
  });

  it('derives the used count from Remaining when Used is missing', () => {
    const window = new RateWindow(10, 1_000);
    window.observe({ remaining: 0 }, 0);
    expect(window.used(0)).toBe(10);
    expect(window.waitMs(0)).toBe(1_000);
  });

  it('never loosens its own count when the headers report fewer requests', () => {
    const window = new RateWindow(5, 1_000);
    fill(window, 5, 0);
    window.observe({ used: 1, remaining: 4 }, 10);
    expect(window.waitMs(10)).toBe(990);
  });

  it('treats the window as full after a 429 without headers', () => {
    const window = new RateWindow(5, 1_000);
    fill(window, 1, 0);
    window.saturate(400);
    expect(window.used(400)).toBe(5);
    expect(window.waitMs(400)).toBe(600);
    expect(window.waitMs(1_000)).toBe(0);
    expect(window.used(1_400)).toBe(0);
  });

  it('answers when the window resets', () => {
    const window = new RateWindow(5, 1_000);
    expect(window.resetsAt(0)).toBeUndefined();
    fill(window, 2, 100);
    expect(window.resetsAt(200)).toBe(1_100);
    expect(window.resetsAt(1_100)).toBeUndefined();
  });

  it('estimates the time to send more requests than one window holds', () => {
    const window = new RateWindow(5, 1_000);
    fill(window, 3, 0);
    // two free slots now; at 1 000 all five slots are free again (the two sent now included)
    expect(window.timeToSend(2, 0)).toBe(0);
    expect(window.timeToSend(3, 0)).toBe(1_000);
    expect(window.timeToSend(7, 0)).toBe(1_000);
    expect(window.timeToSend(8, 0)).toBe(2_000);
    expect(window.timeToSend(16, 0)).toBe(3_000);
    expect(window.timeToSend(0, 0)).toBe(0);
  });

  it('paces a long run at exactly the limit', () => {
    const window = new RateWindow(4, 1_000);
    const sent: number[] = [];
    let now = 0;
    while (sent.length < 20) {
      const wait = window.waitMs(now);
      if (wait > 0) {
        now += wait;
        continue;
      }
      sent.push(now);
      window.settle(window.acquire(), now);
    }
    for (let i = 4; i < sent.length; i++)
      expect(sent[i] - sent[i - 4]).toBeGreaterThanOrEqual(1_000);
    expect(sent[sent.length - 1]).toBe(4_000);
  });
});
