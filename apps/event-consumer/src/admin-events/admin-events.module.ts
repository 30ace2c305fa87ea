import { Module } from '@nestjs/common';
import type { AdminEventsConfig } from '@libs/config';
import { Streams, type ConsumerGroupOptions } from '@libs/messaging';
import { AdminEventsConsumer } from './admin-events.consumer';
import { AdminEventsMetrics } from './admin-events.metrics';
import { AdminEventsService } from './admin-events.service';
import { RegistryEventsClient } from './registry-events.client';

/** The consumer group every event-consumer pod joins on the admin stream. */
export const ADMIN_EVENTS_GROUP = 'event-consumer';

/** How the transport reads the admin stream for this app. */
export function adminEventsGroup(config: AdminEventsConfig): ConsumerGroupOptions {
  return {
    stream: Streams.AdminClientEvents,
    group: ADMIN_EVENTS_GROUP,
    consumer: config.consumerName,
    batchSize: config.batchSize,
    blockMs: config.blockMs,
    minIdleMs: config.minIdleMs,
    handlerTimeoutMs: config.handlerTimeoutMs,
    claimIntervalMs: config.claimIntervalMs,
    maxDeliveries: config.maxDeliveries,
    dlqMaxLen: config.dlqMaxLen,
    batchesInFlight: config.batchesInFlight,
  };
}

@Module({
  controllers: [AdminEventsConsumer],
  providers: [AdminEventsService, AdminEventsMetrics, RegistryEventsClient],
})
export class AdminEventsModule {}
