/** Thrown when a slot could not be had before the caller's signal fired. */
export class SlotTimeoutError extends Error {
  constructor(readonly limit: string) {
    super(`no ${limit} slot before the deadline`);
    this.name = 'SlotTimeoutError';
  }
}

interface Waiter {
  grant: () => void;
  signal: AbortSignal;
  onAbort: () => void;
}

/**
 * A counting semaphore whose waiters give up when their signal aborts. (cockatiel's bulkhead
 * only notices an aborted waiter when a slot frees, so a stuck provider would hold senders
 * past their deadline.)
 */
export class Semaphore {
  #active = 0;
  readonly #waiters = new Set<Waiter>();

  /** `name` says which limit this is (in errors and metrics). */
  constructor(
    private readonly capacity: number,
    readonly name: string,
  ) {}

  get active(): number {
    return this.#active;
  }

  get waiting(): number {
    return this.#waiters.size;
  }

  /** Resolves with a release function once a slot is free; rejects when `signal` aborts first. */
  acquire(signal: AbortSignal): Promise<() => void> {
    if (signal.aborted) return Promise.reject(new SlotTimeoutError(this.name));
    if (this.#active < this.capacity) {
      this.#active++;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        signal,
        grant: () => resolve(this.releaser()),
        onAbort: () => {
          this.#waiters.delete(waiter);
          reject(new SlotTimeoutError(this.name));
        },
      };
      signal.addEventListener('abort', waiter.onAbort, { once: true });
      this.#waiters.add(waiter);
    });
  }

  /** Runs `fn` holding a slot. */
  async run<T>(signal: AbortSignal, fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire(signal);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.handOver();
    };
  }

  /** Passes the slot to the oldest waiter (Set iterates in insertion order) or frees it. */
  private handOver(): void {
    const next = this.#waiters.values().next();
    if (next.done) {
      this.#active--;
      return;
    }
    const waiter = next.value;
    this.#waiters.delete(waiter);
    waiter.signal.removeEventListener('abort', waiter.onAbort);
    waiter.grant();
  }
}
