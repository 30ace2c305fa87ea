import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Exponential delays with jitter, capped, for loops that retry against Redis: a loop that waits
 * `next()` after every failure can never spin, whatever Redis answers.
 */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly baseMs = 100,
    private readonly maxMs = 5_000,
  ) {}

  /** Forgets past failures (after a success). */
  reset(): void {
    this.attempt = 0;
  }

  /** Waits the next delay; returns early (without throwing) when `signal` aborts. */
  async wait(signal?: AbortSignal): Promise<void> {
    const ceiling = Math.min(this.baseMs * 2 ** this.attempt, this.maxMs);
    this.attempt = Math.min(this.attempt + 1, 30);
    await pause(ceiling * (0.5 + Math.random() / 2), signal);
  }
}

/** Sleeps `ms`; resolves early when `signal` aborts. */
export async function pause(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return;
  try {
    await sleep(ms, undefined, { signal });
  } catch {
    // aborted: the caller is shutting down
  }
}

/** Resolves true when `work` settles within `ms`, false otherwise (the work goes on). */
export async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  const controller = new AbortController();
  const settled = work.then(
    () => true,
    () => true,
  );
  const timedOut = sleep(ms, false, { signal: controller.signal }).catch(() => false);
  const result = await Promise.race([settled, timedOut]);
  controller.abort();
  return result;
}
