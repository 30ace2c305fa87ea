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
import { OutboxRepository, type OutboxChange } from './outbox.repository';

/** Outbox rows per pass; each holds one transaction's changes (up to an event batch's). */
const BATCH = 10;
const SWEEP_MS = 1_000;
/** Outbox rows remembered as already evicted by this pod's writers (oldest forgotten first). */
const EVICTED_MEMORY = 10_000;
const RETENTION_SECONDS = 86_400;

/**
 * Publishes committed outbox rows to `stream:client-registry.changes`, then marks them sent
 * (see {@link OutboxPump}); prunes sent rows older than a day once an hour.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxRelay.name);
  private readonly pump: OutboxPump;
  private readonly evictedRows = new Set<string>();
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

  /**
   * Publishes soon (called after each commit) the outbox row `id`, whose writer has already
   * evicted its clients' Redis copies: the relay need not evict them a second time. Rows it has
   * not heard of (written by a pod that crashed before evicting, or by another pod) are evicted
   * before they are published.
   */
  evicted(id: string): void {
    this.evictedRows.add(id);
    if (this.evictedRows.size > EVICTED_MEMORY)
      this.evictedRows.delete(this.evictedRows.values().next().value!);
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
      const events = rows.flatMap((row) =>
        row.changes.map((change) => toChangeEvent(change, row.correlation_id)),
      );
      // Evict right before publishing unless this pod's writer already did: covers a crash
      // between commit and the writer's eviction.
      const unevicted = rows.filter((row) => !this.evictedRows.delete(row.id));
      await this.cache.evict(unevicted.flatMap((row) => row.changes));
      await this.publisher.publishMany(Streams.ClientRegistryChanges, events);
      await this.outbox.markSent(
        manager,
        rows.map((r) => r.id),
      );
      return rows.length;
    });
  }
}

function toChangeEvent(
  change: OutboxChange,
  correlationId: string | null,
): PublishRequest<ClientChangedEvent> {
  return {
    type: `client.${change.change}`,
    payload: {
      client_id: change.client_id,
      version: change.version,
      status: change.status,
      change: change.change,
    },
    id: change.event_id,
    correlationId: correlationId ?? undefined,
  };
}
