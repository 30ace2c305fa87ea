import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { TokenFlushConfig } from '@libs/config';
import { Streams } from '@libs/messaging';
import { Keyspace, REDIS } from '@libs/redis';
import { TOKEN_FLUSH_QUEUE } from './token-flush.constants';
import { recordFields, type TokenRecord } from './token-record';

/**
 * Retention bound of the record buffer. Far above any healthy backlog: trimming here would
 * drop records that were never flushed, so the flush backlog alert fires long before.
 */
const BUFFER_MAX_LEN = 10_000_000;

/**
 * Makes a token's record durable before the token is returned: one XADD to the buffer stream
 * (auto-pipelined with other requests' commands). Every `batch` records it asks BullMQ for a
 * flush (deduplicated, so a burst makes one job, not hundreds).
 */
@Injectable()
export class TokenRecorder {
  private readonly logger = new Logger(TokenRecorder.name);
  private readonly stream: string;
  private sinceTrigger = 0;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    keyspace: Keyspace,
    private readonly config: TokenFlushConfig,
    @InjectQueue(TOKEN_FLUSH_QUEUE) private readonly queue: Queue,
  ) {
    this.stream = keyspace.key(Streams.AuthIssuedTokens);
  }

  /** False while Redis is unreachable: no record can be made durable, so no token may be issued. */
  get ready(): boolean {
    return this.redis.status === 'ready';
  }

  async record(record: TokenRecord): Promise<void> {
    await this.redis.xadd(this.stream, 'MAXLEN', '~', BUFFER_MAX_LEN, '*', ...recordFields(record));
    if (++this.sinceTrigger >= this.config.batch) {
      this.sinceTrigger = 0;
      this.queue
        .add(
          'flush',
          {},
          { deduplication: { id: 'size-trigger' }, removeOnComplete: true, removeOnFail: 100 },
        )
        .catch((error: unknown) =>
          this.logger.warn({ err: error }, 'could not enqueue a size-triggered flush'),
        );
    }
  }
}
