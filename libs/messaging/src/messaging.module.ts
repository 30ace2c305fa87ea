import { Global, Module, type OnApplicationShutdown } from '@nestjs/common';
import { AppInfo, RedisConfig } from '@libs/config';
import { RpcClient } from './rpc-client';
import { StreamPublisher } from './stream-publisher';

/**
 * Injectable `StreamPublisher` (on the app's shared Redis client) and `RpcClient` (one reply
 * stream for the process, connected on first request, closed with the app). Needs the
 * platform's CoreModule (config and Redis).
 */
@Global()
@Module({
  providers: [
    StreamPublisher,
    {
      provide: RpcClient,
      inject: [RedisConfig, AppInfo],
      useFactory: (redis: RedisConfig, app: AppInfo) =>
        new RpcClient({ redis, instanceId: app.instanceId }),
    },
  ],
  exports: [StreamPublisher, RpcClient],
})
export class MessagingModule implements OnApplicationShutdown {
  constructor(private readonly rpc: RpcClient) {}

  async onApplicationShutdown(): Promise<void> {
    await this.rpc.close();
  }
}
