/** Rate-limit state a client reported from Discogs' `X-Discogs-Ratelimit*` headers. */
export interface ObservedRateLimit {
  limit?: number;
  used?: number;
  remaining?: number;
}

/** A request's place in the window, from dispatch until it is settled. */
export interface WindowSlot {
  settledAt: number | undefined;
}

/**
 * One user's moving window of Discogs requests, kept by the server so pacing works even when a
 * browser cannot read the rate-limit headers.
 *
 * A request occupies a slot from the moment it is dispatched. While it is in flight its slot
 * never expires; once answered it expires `windowMs` after the answer reached the server. The
 * answer arrives after Discogs counted the request, so this expiry is never earlier than
 * Discogs' own: pacing on it cannot cause a 429, whatever the network delays, at the price of
 * one round trip per window. Headers can only tighten the window, never loosen it. Pure: the
 * caller passes the time.
 */
export class RateWindow {
  private limitNow: number;
  /** Settle times of answered requests (and of phantom entries), ascending. */
  private readonly settled: number[] = [];
  private readonly open = new Set<WindowSlot>();

  constructor(
    private readonly maxLimit: number,
    readonly windowMs: number,
  ) {
    this.limitNow = maxLimit;
  }

  /** The limit in force (the configured one, or lower when Discogs reported lower). */
  get limit(): number {
    return this.limitNow;
  }

  /** Requests counted in the window at `now` (in flight ones included). */
  used(now: number): number {
    this.prune(now);
    return this.settled.length + this.open.size;
  }

  /** 0 when a request may go now; otherwise how long until one may (Infinity: until an answer). */
  waitMs(now: number): number {
    const excess = this.used(now) - this.limitNow;
    if (excess < 0) return 0;
    const frees = this.settled[excess];
    return frees === undefined ? Infinity : frees + this.windowMs - now;
  }

  /** When the oldest counted request leaves the window (undefined when none is counted). */
  resetsAt(now: number): number | undefined {
    this.prune(now);
    const oldest = this.settled[0];
    if (oldest !== undefined) return oldest + this.windowMs;
    return this.open.size > 0 ? now + this.windowMs : undefined;
  }

  /** Takes a slot for a request dispatched now; callers check {@link waitMs} first. */
  acquire(): WindowSlot {
    const slot: WindowSlot = { settledAt: undefined };
    this.open.add(slot);
    return slot;
  }

  /** The request of `slot` was answered (or given up) at `now`; its slot now ages out. */
  settle(slot: WindowSlot, now: number): void {
    if (!this.open.delete(slot)) return;
    slot.settledAt = now;
    this.insert(now);
  }

  /** The request of `slot` was never sent after all: it frees its slot at once. */
  release(slot: WindowSlot): void {
    this.open.delete(slot);
  }

  /**
   * Corrects the window with what Discogs reported: a lower limit, or more requests used than
   * this server sent (the user's token is also used elsewhere). Unknown values are ignored.
   */
  observe(reported: ObservedRateLimit, now: number): void {
    const { limit, used, remaining } = reported;
    if (limit !== undefined && limit >= 1) this.limitNow = Math.min(this.maxLimit, limit);
    const impliedUsed = Math.max(
      used ?? 0,
      remaining !== undefined ? this.limitNow - remaining : 0,
    );
    this.addPhantoms(impliedUsed - this.used(now), now);
  }

  /** A 429 without usable headers: count the window as full from now on. */
  saturate(now: number): void {
    this.addPhantoms(this.limitNow - this.used(now), now);
  }

  /**
   * How long until `count` more requests can all have been dispatched, if each is answered at
   * once: the free slots now, then each slot again one window after it frees.
   */
  timeToSend(count: number, now: number): number {
    if (count <= 0) return 0;
    const used = this.used(now);
    const frees = [
      ...new Array<number>(Math.max(0, this.limitNow - used)).fill(now),
      ...this.settled.map((t) => t + this.windowMs),
      ...new Array<number>(this.open.size).fill(now + this.windowMs),
    ].slice(Math.max(0, used - this.limitNow));
    const k = count - 1;
    const at = frees[k % this.limitNow] + Math.floor(k / this.limitNow) * this.windowMs;
    return Math.max(0, at - now);
  }

  private addPhantoms(count: number, now: number): void {
    for (let i = 0; i < count; i++) this.insert(now);
  }

  private insert(at: number): void {
    let i = this.settled.length;
    while (i > 0 && this.settled[i - 1] > at) i--;
    this.settled.splice(i, 0, at);
  }

  private prune(now: number): void {
    let expired = 0;
    while (expired < this.settled.length && this.settled[expired] + this.windowMs <= now) {
      expired++;
    }
    if (expired > 0) this.settled.splice(0, expired);
  }
}
