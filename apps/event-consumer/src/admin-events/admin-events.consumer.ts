import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { Streams, type BatchOutcome, type ReceivedMessage } from '@libs/messaging';
import { AdminEventsService } from './admin-events.service';

/** The Admin Service's client lifecycle events, whole batches at a time. */
@Controller()
export class AdminEventsConsumer {
  constructor(private readonly events: AdminEventsService) {}

  @EventPattern(Streams.AdminClientEvents, { batch: true })
  handle(@Payload() messages: ReceivedMessage[]): Promise<BatchOutcome> {
    return this.events.handleBatch(messages);
  }
}
