import {
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { Gauge, Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { StreamPublisher, Streams, type PublishRequest } from '@libs/messaging';
import { CREDENTIALS_CHANGED, type CredentialsChangedEvent } from './credential-events';
import {
  CredentialsOutboxRepository,
  type CredentialsOutboxRow,
} from './credentials-outbox.repository';
import { OutboxPump } from '../outbox/outbox-pump';

const BATCH = 500;
const SWEEP_MS = 1_000;

/**
 * Publishes committed credential changes to `stream:client-registry.credentials` (see
 * {@link OutboxPump}), so caches holding a deleted credential get evicted even when the change
 * was committed just before a crash.
 */
@Injectable()
export class CredentialEventsRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly pump: OutboxPump;

  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: CredentialsOutboxRepository,
    private readonly publisher: StreamPublisher,
    registry: Registry,
  ) {
    new Gauge({
      name: 'registry_credentials_outbox_lag_seconds',
      help: 'Age of the oldest credential change not yet published',
      registers: [registry],
      collect: async function (this: Gauge) {
        this.set(await outbox.lagSeconds());
      },
    });
    this.pump = new OutboxPump({
      name: 'credential changes',
      batch: BATCH,
      sweepMs: SWEEP_MS,
      publishBatch: () => this.publishBatch(),
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

  private publishBatch(): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      const rows = await this.outbox.take(manager, BATCH);
      if (rows.length === 0) return 0;
      await this.publisher.publishMany(Streams.ClientRegistryCredentials, rows.map(toEvent));
      return rows.length;
    });
  }
}

function toEvent(
  row: CredentialsOutboxRow & { occurred_at: string },
): PublishRequest<CredentialsChangedEvent> {
  return {
    type: CREDENTIALS_CHANGED,
    payload: { user_id: row.user_id, provider: row.provider, change: row.change },
    id: row.event_id,
    occurredAt: row.occurred_at,
    correlationId: row.correlation_id ?? undefined,
  };
}
