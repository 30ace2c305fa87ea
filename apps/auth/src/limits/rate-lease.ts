/** Points one lease asks for: 1 % of the limit, between 1 and 100. */
export const leaseSize = (points: number): number =>
  Math.min(100, Math.max(1, Math.floor(points / 100)));

/**
 * One client's slice of the current rate window, held by this pod: points granted by Redis and
 * not spent yet, and when the window ends. Refills are single-flight, so a burst of requests for
 * one client makes one Redis call, not one each.
 */
export class RateLease {
  /** Unknown until the first grant says how long the window has left. */
  endsAt = Number.POSITIVE_INFINITY;
  /** The window's points are all granted (to this pod or others): refuse until it ends. */
  spent = false;
  private remaining = 0;
  private refilling: Promise<void> | undefined;

  constructor(readonly points: number) {}

  take(): boolean {
    if (this.remaining === 0) return false;
    this.remaining -= 1;
    return true;
  }

  /** Asks for more points (`acquire` answers granted points and ms left in the window). */
  refill(acquire: () => Promise<[granted: number, windowLeftMs: number]>): Promise<void> {
    this.refilling ??= acquire()
      .then(([granted, windowLeftMs]) => {
        this.endsAt = Date.now() + windowLeftMs;
        if (granted > 0) this.remaining += granted;
        else this.spent = true;
      })
      .finally(() => {
        this.refilling = undefined;
      });
    return this.refilling;
  }
}
