import { Processor, WorkerHost } from '@nestjs/bullmq';
import { TOKEN_FLUSH_QUEUE, MAX_BATCHES_PER_JOB } from './token-flush.constants';
import { TokenFlusher } from './token-flusher';

/** BullMQ worker of the token-flush queue: one job writes batches until the buffer is short. */
@Processor(TOKEN_FLUSH_QUEUE, { concurrency: 1 })
export class TokenFlushProcessor extends WorkerHost {
  constructor(private readonly flusher: TokenFlusher) {
    super();
  }

  async process(): Promise<number> {
    return this.flusher.flushAll(MAX_BATCHES_PER_JOB);
  }
}
