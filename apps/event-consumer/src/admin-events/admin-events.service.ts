import { Injectable, Logger } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { AdminEventsConfig } from '@libs/config';
import type { BatchOutcome, ReceivedMessage } from '@libs/messaging';
import { validateAdminEvent } from './admin-event.validation';
import { AdminEventsMetrics } from './admin-events.metrics';
import { RegistryEventsClient, type PendingEvent } from './registry-events.client';

/** Time kept back from the handler timeout so a batch always settles before it. */
const SAFETY_MARGIN_RATIO = 0.1;
const MAX_SAFETY_MARGIN_MS = 1_000;

/**
 * Handles batches of admin events: dead-letters the invalid ones at once, applies the rest in
 * one registry transaction, and reports per entry what must stay pending. Entries it does not
 * report failed are acked by the transport, so only what the registry committed is acked.
 */
@Injectable()
export class AdminEventsService {
  private readonly logger = new Logger(AdminEventsService.name);
  private readonly budgetMs: number;

  constructor(
    private readonly registry: RegistryEventsClient,
    private readonly metrics: AdminEventsMetrics,
    config: AdminEventsConfig,
  ) {
    const margin = Math.min(MAX_SAFETY_MARGIN_MS, config.handlerTimeoutMs * SAFETY_MARGIN_RATIO);
    this.budgetMs = config.handlerTimeoutMs - margin;
  }

  async handleBatch(messages: readonly ReceivedMessage[]): Promise<BatchOutcome> {
    const started = performance.now();
    const deadline = Date.now() + this.budgetMs;
    const failed = new Map<string, Error>();
    const valid: PendingEvent[] = [];
    const rejected: string[] = [];
    for (const { entryId, envelope } of messages) {
      try {
        valid.push({ entryId, event: await validateAdminEvent(envelope) });
      } catch (error) {
        failed.set(entryId, error instanceof Error ? error : new Error(String(error)));
        rejected.push(envelope.type);
      }
    }
    this.metrics.events(rejected, 'rejected');
    if (valid.length > 0) {
      const outcome = await this.registry.apply(valid, deadline);
      for (const [entryId, error] of outcome.failed) failed.set(entryId, error);
      this.metrics.result(outcome.result);
      this.metrics.events(typesOf(outcome.committed), 'committed');
      this.metrics.events(
        typesOf(valid.filter((item) => outcome.failed.has(item.entryId))),
        'failed',
      );
      this.logger.debug(
        {
          events: messages.length,
          ...outcome.result,
          rejected: rejected.length,
          failed: outcome.failed.size,
          ms: Math.round(performance.now() - started),
        },
        'admin event batch settled',
      );
    }
    return { failed };
  }
}

const typesOf = (items: readonly PendingEvent[]) => items.map((item) => item.event.type);
