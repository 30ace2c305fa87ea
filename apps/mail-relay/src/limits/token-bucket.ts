const HOUR_MS = 3_600_000;

/**
 * A token bucket sized to an hourly budget: it starts full, refills continuously at
 * `perHour / hour`, and answers in O(1) without timers (refill is computed on use).
 */
export class TokenBucket {
  #tokens: number;
  #updatedAt: number;

  constructor(
    private perHour: number,
    private readonly now: () => number = Date.now,
  ) {
    this.#tokens = perHour;
    this.#updatedAt = now();
  }

  get capacity(): number {
    return this.perHour;
  }

  /** Changes the budget (a reload); tokens already spent stay spent. */
  resize(perHour: number): void {
    this.refill();
    this.perHour = perHour;
    this.#tokens = Math.min(this.#tokens, perHour);
  }

  /** Takes one message's token; false when the budget is spent. */
  take(): boolean {
    this.refill();
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** Gives back a token taken for a message that was not delivered. */
  refund(): void {
    this.refill();
    this.#tokens = Math.min(this.perHour, this.#tokens + 1);
  }

  /** Milliseconds until the next token. */
  retryAfterMs(): number {
    this.refill();
    return this.#tokens >= 1 ? 0 : Math.ceil(((1 - this.#tokens) * HOUR_MS) / this.perHour);
  }

  private refill(): void {
    const now = this.now();
    const elapsed = now - this.#updatedAt;
    this.#updatedAt = now;
    if (elapsed > 0)
      this.#tokens = Math.min(this.perHour, this.#tokens + (elapsed * this.perHour) / HOUR_MS);
  }
}
