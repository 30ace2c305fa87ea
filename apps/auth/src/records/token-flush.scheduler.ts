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
import { PRUNE_JOB, TOKEN_FLUSH_QUEUE } from './token-flush.constants';
import { TokenFlusher } from './token-flusher';

const RESCHEDULE_MS = 30_000;
/** Job schedulers of the queue, shared by every pod (BullMQ runs each job once). */
export const FLUSH_SCHEDULER = 'token-flush-interval';
export const PRUNE_SCHEDULER = 'token-records-prune';
const PRUNE_EVERY_MS = 3_600_000;

/**
 * Keeps the periodic flush job and the hourly retention job scheduled (schedulers shared by every
 * pod, upserted at boot) and flushes what is waiting when the process stops on SIGTERM.
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
    const opts = { removeOnComplete: true, removeOnFail: 100 };
    return Promise.all([
      this.queue.upsertJobScheduler(
        FLUSH_SCHEDULER,
        { every: this.config.intervalMs },
        { name: 'flush', opts },
      ),
      // Retention 0 keeps every record: a scheduler left by an earlier configuration goes.
      this.config.retentionDays === 0
        ? this.queue.removeJobScheduler(PRUNE_SCHEDULER)
        : this.queue.upsertJobScheduler(
            PRUNE_SCHEDULER,
            { every: PRUNE_EVERY_MS },
            { name: PRUNE_JOB, opts },
          ),
    ]);
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
