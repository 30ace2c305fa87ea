import {
  Injectable,
  Logger,
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

const BATCH = 500;
const SWEEP_MS = 1_000;

/**
 * Publishes committed credential changes to `stream:client-registry.credentials`. Poked after
 * each commit and swept every second, so a change committed just before a crash is published
 * late (with its event id) rather than lost: caches holding a deleted credential get evicted.
 */
@Injectable()
export class CredentialEventsRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(CredentialEventsRelay.name);
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private queued = false;
  private stopped = false;

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
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.poke(), SWEEP_MS);
    this.timer.unref();
    this.poke();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.chain;
  }

  /** Publishes soon; calls made while a pass is already queued join it. */
  poke(): void {
    if (this.stopped || this.queued) return;
    this.queued = true;
    this.chain = this.chain.then(() => {
      this.queued = false;
      return this.drain();
    });
  }

  /** Publishes until nothing waits; resolves with the number published. */
  async publishPending(): Promise<number> {
    let total = 0;
    for (;;) {
      const published = await this.publishBatch();
      total += published;
      if (published < BATCH) return total;
    }
  }

  private async drain(): Promise<void> {
    try {
      await this.publishPending();
    } catch (error) {
      // The rows stay in the outbox (the transaction rolled back); the next sweep retries.
      this.logger.warn(`credential events relay failed (retrying): ${(error as Error).message}`);
    }
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
