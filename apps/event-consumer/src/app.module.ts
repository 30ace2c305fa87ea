import { Module, type DynamicModule } from '@nestjs/common';
import { Registry } from 'prom-client';
import type { EventConsumerConfig } from '@libs/config';
import { MessagingModule, RedisStreamsServer } from '@libs/messaging';
import { CoreModule, type AppDefinition } from '@libs/platform';
import { adminEventsGroup, AdminEventsModule } from './admin-events/admin-events.module';

/** Share of the shutdown timeout the transport may spend finishing in-flight batches. */
const TRANSPORT_SHUTDOWN_SHARE = 0.75;

@Module({})
export class AppModule {
  static forRoot(config: EventConsumerConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [CoreModule.forRoot(config), MessagingModule, AdminEventsModule],
    };
  }
}

/** The event consumer: probes and metrics over HTTP, the admin stream's consumer group. */
export function defineApp(config: EventConsumerConfig): AppDefinition {
  return {
    config,
    module: AppModule.forRoot(config),
    transports: (app) => [
      new RedisStreamsServer({
        redis: config.redis,
        instanceId: config.app.instanceId,
        groups: [adminEventsGroup(config.adminEvents)],
        registry: app.get(Registry),
        shutdownTimeoutMs: Math.floor(config.shutdown.timeoutMs * TRANSPORT_SHUTDOWN_SHARE),
      }),
    ],
  };
}
