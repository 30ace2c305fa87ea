import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Gauge, Registry } from 'prom-client';
import { StreamPublisher, Streams, type PublishRequest } from '@libs/messaging';
import type { ClientChangedEvent } from '@libs/models';
import { ClientCache } from '../clients/client-cache';
import { OutboxPump } from './outbox-pump';
import { OutboxRepository, type OutboxRow } from './outbox.repository';

const BATCH = 500;
const SWEEP_MS = 1_000;
const RETENTION_SECONDS = 86_400;

/**
 * Publishes committed outbox rows to `stream:client-registry.changes`, then marks them sent
 * (see {@link OutboxPump}); prunes sent rows older than a day once an hour.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxRelay.name);
  private readonly pump: OutboxPump;
  private sweeps = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxRepository,
    private readonly publisher: StreamPublisher,
    private readonly cache: ClientCache,
    registry: Registry,
  ) {
    new Gauge({
      name: 'registry_outbox_lag_seconds',
      help: 'Age of the oldest client change not yet published',
      registers: [registry],
      collect: async function (this: Gauge) {
        this.set(await outbox.lagSeconds());
      },
    });
    this.pump = new OutboxPump({
      name: 'client changes',
      batch: BATCH,
      sweepMs: SWEEP_MS,
      publishBatch: () => this.publishBatch(),
      onSweep: () => this.prune(),
    });
  }

  onApplicationBootstrap(): void {
    this.pump.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.pump.stop();
  }

  /** Publishes soon (called after each commit). */
  poke(): void {
    this.pump.poke();
  }

  /** Publishes until no unsent row is left; resolves with the number published. */
  publishPending(): Promise<number> {
    return this.pump.publishPending();
  }

  private prune(): void {
    if (++this.sweeps % 3600 !== 0) return;
    this.outbox
      .prune(RETENTION_SECONDS)
      .catch((error: unknown) => this.logger.warn({ err: error }, 'outbox prune failed'));
  }

  private publishBatch(): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      const rows = await this.outbox.lockUnsent(manager, BATCH);
      if (rows.length === 0) return 0;
      // Evict again right before publishing: covers a crash between commit and the first eviction.
      await this.cache.evict(rows);
      await this.publisher.publishMany(Streams.ClientRegistryChanges, rows.map(toChangeEvent));
      await this.outbox.markSent(
        manager,
        rows.map((r) => r.id),
      );
      return rows.length;
    });
  }
}

function toChangeEvent(row: OutboxRow): PublishRequest<ClientChangedEvent> {
  return {
    type: `client.${row.change}`,
    payload: {
      client_id: row.client_id,
      version: row.version,
      status: row.status,
      change: row.change,
    },
    id: row.event_id,
    correlationId: row.correlation_id ?? undefined,
  };
}
