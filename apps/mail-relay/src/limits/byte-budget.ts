/** A bound on bytes held in memory at once (message bodies waiting for the upstream). */
export class ByteBudget {
  #used = 0;

  constructor(
    private readonly limit: number,
    private readonly onChange: (used: number) => void = () => undefined,
  ) {}

  get used(): number {
    return this.#used;
  }

  /** Takes `bytes` if they fit; false (and nothing taken) otherwise. */
  reserve(bytes: number): boolean {
    if (this.#used + bytes > this.limit) return false;
    this.#used += bytes;
    this.onChange(this.#used);
    return true;
  }

  release(bytes: number): void {
    this.#used = Math.max(0, this.#used - bytes);
    this.onChange(this.#used);
  }
}
