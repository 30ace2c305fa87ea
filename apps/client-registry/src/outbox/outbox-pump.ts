import { Logger } from '@nestjs/common';

export interface OutboxPumpOptions {
  /** Names the pump in its log lines ("client changes", "credential changes"). */
  name: string;
  /** Rows one pass takes at most: a pass that publishes fewer means nothing waits. */
  batch: number;
  /** Publishes one batch of unsent rows in one transaction; resolves with how many. */
  publishBatch: () => Promise<number>;
  sweepMs: number;
  /** Called on every sweep before the pass it starts (housekeeping such as pruning). */
  onSweep?: () => void;
}

/**
 * Moves committed outbox rows to their stream: woken right after each commit (`poke`) and by a
 * periodic sweep, which also catches rows left by a crash between commit and publish, so such
 * rows are published late (with their event ids), never lost. Pokes while a pass runs coalesce
 * into one more pass; a failed pass leaves its rows for the next one.
 */
export class OutboxPump {
  private readonly logger: Logger;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(private readonly options: OutboxPumpOptions) {
    this.logger = new Logger(`OutboxPump ${options.name}`);
  }

  start(): void {
    this.timer = setInterval(() => {
      this.options.onSweep?.();
      this.poke();
    }, this.options.sweepMs);
    this.timer.unref();
    this.poke();
  }

  /** Stops sweeping and waits for the pass under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  /** Runs a pass soon; calls while one runs coalesce into one more pass. */
  poke(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain().finally(() => {
      this.running = undefined;
      if (this.again && !this.stopped) {
        this.again = false;
        this.poke();
      }
    });
  }

  /** Publishes until no unsent row is left; resolves with the number published. */
  async publishPending(): Promise<number> {
    let total = 0;
    for (;;) {
      const published = await this.options.publishBatch();
      total += published;
      if (published < this.options.batch) return total;
    }
  }

  private async drain(): Promise<void> {
    try {
      await this.publishPending();
    } catch (error) {
      // The rows stay unsent (the transaction rolled back); the next sweep retries them. One
      // line per failure, no stack: it repeats every sweep while PostgreSQL or Redis is down.
      this.logger.warn(`pass failed (retrying): ${(error as Error).message}`);
    }
  }
}
