import { Logger } from '@nestjs/common';
import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { MAX_BATCHES_PER_JOB, PRUNE_JOB, TOKEN_FLUSH_QUEUE } from './token-flush.constants';
import { TokenFlusher } from './token-flusher';
import { TokenRecordPruner } from './token-record-pruner';

/**
 * BullMQ worker of the token-flush queue: a flush job writes batches until the buffer is short;
 * the hourly prune job deletes records past retention.
 */
@Processor(TOKEN_FLUSH_QUEUE, { concurrency: 1 })
export class TokenFlushProcessor extends WorkerHost {
  constructor(
    private readonly flusher: TokenFlusher,
    private readonly pruner: TokenRecordPruner,
  ) {
    super();
  }

  private readonly logger = new Logger(TokenFlushProcessor.name);

  async process(job: Pick<Job, 'name'>): Promise<number> {
    if (job.name === PRUNE_JOB) return this.pruner.prune();
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
