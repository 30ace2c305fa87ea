import { Logger } from '@nestjs/common';
import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { TOKEN_FLUSH_QUEUE, MAX_BATCHES_PER_JOB } from './token-flush.constants';
import { TokenFlusher } from './token-flusher';

/** BullMQ worker of the token-flush queue: one job writes batches until the buffer is short. */
@Processor(TOKEN_FLUSH_QUEUE, { concurrency: 1 })
export class TokenFlushProcessor extends WorkerHost {
  constructor(private readonly flusher: TokenFlusher) {
    super();
  }

  private readonly logger = new Logger(TokenFlushProcessor.name);

  async process(): Promise<number> {
    return this.flusher.flushAll(MAX_BATCHES_PER_JOB);
  }

  // Without a listener BullMQ prints raw connection errors; one line per failure is enough.
  @OnWorkerEvent('error')
  onError(error: Error): void {
    this.logger.warn(`token flush worker: ${error.message}`);
  }

  @OnWorkerEvent('failed')
  onFailed(_job: unknown, error: Error): void {
    this.logger.warn(`token flush failed (records stay buffered): ${error.message}`);
  }
}
