/** Retry timing: exponential backoff with "equal jitter" (half fixed, half random). */
export class Backoff {
  constructor(
    private readonly baseMs: number,
    private readonly maxMs: number,
    private readonly random: () => number = Math.random,
  ) {}

  /**
   * Delay before retry number `attempt` (1-based): between half and all of
   * `min(max, base · 2^(attempt-1))`, so retries of many users spread out.
   */
  delayMs(attempt: number): number {
    const ceiling = Math.min(this.maxMs, this.baseMs * 2 ** Math.max(0, attempt - 1));
    return Math.round(ceiling / 2 + (this.random() * ceiling) / 2);
  }

  /** Delay after a 429: the backoff, but never shorter than a `Retry-After` (seconds) given. */
  afterTooManyRequests(attempt: number, retryAfter: string | undefined): number {
    const seconds = Number(retryAfter);
    const floor =
      Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds * 1000, this.maxMs) : 0;
    return Math.max(floor, this.delayMs(attempt));
  }
}
