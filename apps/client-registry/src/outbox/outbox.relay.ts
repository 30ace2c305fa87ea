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
import { OutboxRepository, type OutboxRow } from './outbox.repository';

const BATCH = 500;
const SWEEP_MS = 1_000;
const RETENTION_SECONDS = 86_400;

/**
 * Publishes committed outbox rows to `stream:client-registry.changes`, then marks them sent.
 * Woken right after each commit (poke) and by a 1 s sweep, which also catches rows left by a
 * crash between commit and publish: such rows are published late (with the same event id),
 * never lost.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxRelay.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private sweeps = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxRepository,
    private readonly publisher: StreamPublisher,
    private readonly cache: ClientCache,
    registry: Registry,
  ) {
    const repository = this.outbox;
    new Gauge({
      name: 'registry_outbox_lag_seconds',
      help: 'Age of the oldest client change not yet published',
      registers: [registry],
      async collect() {
        this.set(await repository.lagSeconds());
      },
    });
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.sweep(), SWEEP_MS);
    this.timer.unref();
    this.poke();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  /** Runs the relay soon; calls while it runs coalesce into one more pass. */
  poke(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain().finally(() => {
      this.running = undefined;
      if (this.again && !this.stopped) {
        this.again = false;
        this.poke();
      }
    });
  }

  /** Publishes until no unsent row is left; resolves with the number published. */
  async publishPending(): Promise<number> {
    let total = 0;
    for (;;) {
      const published = await this.publishBatch();
      total += published;
      if (published < BATCH) return total;
    }
  }

  private sweep(): void {
    this.poke();
    if (++this.sweeps % 3600 === 0) {
      this.outbox
        .prune(RETENTION_SECONDS)
        .catch((error: unknown) => this.logger.warn({ err: error }, 'outbox prune failed'));
    }
  }

  private async drain(): Promise<void> {
    try {
      await this.publishPending();
    } catch (error) {
      // The rows stay unsent; the next sweep retries them. One line per failure, no stack: it
      // repeats every second while PostgreSQL or Redis is down.
      this.logger.warn(`outbox relay pass failed (retrying): ${(error as Error).message}`);
    }
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
