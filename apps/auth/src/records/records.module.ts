import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { BullModule } from '@nestjs/bullmq';
import { IssuedTokenRepository } from './issued-token.repository';
import { TOKEN_FLUSH_QUEUE } from './token-flush.constants';
import { TokenFlushProcessor } from './token-flush.processor';
import { TokenFlushScheduler } from './token-flush.scheduler';
import { TokenFlusher } from './token-flusher';
import { TokenRecordPruner } from './token-record-pruner';
import { TokenRecorder } from './token-recorder';

/**
 * Durable token records: the Redis buffer, the BullMQ flush queue, its worker and schedulers, and
 * their retention.
 */
@Module({})
export class RecordsModule {
  static forRoot(options: { worker: boolean }): DynamicModule {
    const providers: Provider[] = [
      IssuedTokenRepository,
      TokenRecorder,
      TokenFlusher,
      TokenFlushScheduler,
      TokenRecordPruner,
    ];
    // A deployment may run flush workers elsewhere (TOKEN_FLUSH_WORKER=false).
    if (options.worker) providers.push(TokenFlushProcessor);
    return {
      module: RecordsModule,
      // Global: the OAuth module uses the recorder and flusher; the worker exists once per process.
      global: true,
      imports: [BullModule.registerQueue({ name: TOKEN_FLUSH_QUEUE })],
      providers,
      exports: [TokenRecorder, TokenFlusher, IssuedTokenRepository, TokenRecordPruner],
    };
  }
}
