import {
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { Gauge, Registry } from 'prom-client';
import { TokenFlushConfig } from '@libs/config';
import { TOKEN_FLUSH_QUEUE } from './token-flush.constants';
import { TokenFlusher } from './token-flusher';

const RESCHEDULE_MS = 30_000;

/**
 * Keeps the periodic flush job scheduled (one scheduler shared by every pod, upserted at boot)
 * and flushes what is waiting when the process stops on SIGTERM.
 */
@Injectable()
export class TokenFlushScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(TokenFlushScheduler.name);
  private timer: NodeJS.Timeout | undefined;

  constructor(
    @InjectQueue(TOKEN_FLUSH_QUEUE) private readonly queue: Queue,
    private readonly flusher: TokenFlusher,
    private readonly config: TokenFlushConfig,
    registry: Registry,
  ) {
    const buffer = flusher;
    new Gauge({
      name: 'auth_token_records_pending',
      help: 'Token records buffered in Redis, not yet in PostgreSQL',
      registers: [registry],
      async collect() {
        this.set(await buffer.pending());
      },
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.schedule();
    // A Redis that restarted empty forgets the scheduler: upsert it again now and then (idempotent).
    this.timer = setInterval(() => {
      this.schedule().catch((error: unknown) =>
        this.logger.warn(`flush scheduler upsert failed: ${(error as Error).message}`),
      );
    }, RESCHEDULE_MS);
    this.timer.unref();
  }

  private schedule(): Promise<unknown> {
    return this.queue.upsertJobScheduler(
      'token-flush-interval',
      { every: this.config.intervalMs },
      { name: 'flush', opts: { removeOnComplete: true, removeOnFail: 100 } },
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    try {
      const flushed = await this.flusher.flushAll();
      this.logger.log(`final flush wrote ${flushed} token records`);
    } catch (error) {
      // Whatever is left stays in the Redis buffer for the next flusher: nothing is lost.
      this.logger.warn({ err: error }, 'final flush failed; records stay buffered in Redis');
    }
  }
}
