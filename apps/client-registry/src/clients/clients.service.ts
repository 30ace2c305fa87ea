import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Counter, Registry } from 'prom-client';
import { DataSource, type EntityManager } from 'typeorm';
import { newEventId, recordProcessed } from '@libs/messaging';
import { currentCorrelationId } from '@libs/observability';
import {
  generateClientSecret,
  normalizeCidr,
  sha256SecretHash,
  type AdminClientEvent,
  type ApplyEventsResult,
  type ClientRecord,
  type ClientStatus,
} from '@libs/models';
import { OutboxRelay } from '../outbox/outbox.relay';
import { OutboxRepository } from '../outbox/outbox.repository';
import { applyEvent, blankRecord, recordChanged } from './client-merge';
import { ClientCache } from './client-cache';
import { ClientRepository, type ListQuery } from './client.repository';
import { ClientsError, ClientsErrorCode } from './clients.errors';
import type { ClientFields } from './client-fields';

interface Change {
  record: ClientRecord;
  change: string;
}

/** What a write stores, from the clients as its transaction read them. */
type Compute = (
  current: Map<string, ClientRecord>,
  manager: EntityManager,
) => Change[] | Promise<Change[]>;

/** A write found a row changed (or created) by another writer since it read it. */
class WriteConflict extends Error {}

const PROCESSED_EVENTS = 'client_registry.processed_events';
/** Locked attempts of a write after its unlocked one lost a race. */
const LOCKED_ATTEMPTS = 3;

/** The registry's behaviour: cache-aside reads, transactional writes with outbox events. */
@Injectable()
export class ClientsService {
  private readonly logger = new Logger(ClientsService.name);
  private readonly conflicts: Counter;

  constructor(
    private readonly dataSource: DataSource,
    private readonly clients: ClientRepository,
    private readonly outbox: OutboxRepository,
    private readonly cache: ClientCache,
    private readonly relay: OutboxRelay,
    registry: Registry,
  ) {
    this.conflicts = new Counter({
      name: 'registry_write_conflicts_total',
      help: 'Client writes that lost a race to another writer and were redone with row locks',
      registers: [registry],
    });
  }

  /** A client from Redis, else from PostgreSQL (then cached). */
  async get(clientId: string): Promise<ClientRecord> {
    const cached = await this.cache.get(clientId);
    if (cached) return cached;
    const record = await this.clients.findById(clientId);
    if (!record) throw ClientsError.notFound(clientId);
    await this.cache.fill(record);
    return record;
  }

  list(query: ListQuery): Promise<ClientRecord[]> {
    return this.clients.list(query);
  }

  /** Registers a client; the generated secret is returned here and never again. */
  async create(fields: ClientFields): Promise<{ record: ClientRecord; secret: string }> {
    const secret = generateClientSecret();
    const now = new Date().toISOString();
    const record: ClientRecord = {
      ...blankRecord(randomUUID(), now),
      ...this.normalized(fields),
      client_secret_hash: sha256SecretHash(secret),
      version: 1,
    };
    await this.write([], () => [{ record, change: 'created' }]);
    this.logger.log({ client_id: record.client_id }, 'client created');
    return { record, secret };
  }

  /** Replaces the secret; the previous one stays valid for `graceSeconds`. */
  async rotateSecret(
    clientId: string,
    graceSeconds: number,
  ): Promise<{ record: ClientRecord; secret: string }> {
    const secret = generateClientSecret();
    const [record] = await this.write([clientId], (current) => {
      const client = this.existing(current, clientId);
      if (client.status === 'REVOKED') throw this.revokedConflict(clientId);
      const expires = new Date(Date.now() + graceSeconds * 1000).toISOString();
      return [
        {
          change: 'secret_rotated',
          record: {
            ...client,
            previous_secret_hash: graceSeconds > 0 ? client.client_secret_hash : null,
            previous_secret_expires_at: graceSeconds > 0 ? expires : null,
            client_secret_hash: sha256SecretHash(secret),
            version: client.version + 1,
          },
        },
      ];
    });
    return { record, secret };
  }

  /** Moves a client to `status` (revoking also stamps `revoked_before`); idempotent. */
  async setStatus(clientId: string, status: ClientStatus): Promise<ClientRecord> {
    const change = { ACTIVE: 'activated', SUSPENDED: 'suspended', REVOKED: 'revoked' }[status];
    const written = await this.write([clientId], (current) => {
      const client = this.existing(current, clientId);
      if (client.status === status) return [];
      if (client.status === 'REVOKED') throw this.revokedConflict(clientId);
      const revokedBefore = status === 'REVOKED' ? new Date().toISOString() : client.revoked_before;
      return [
        {
          change,
          record: { ...client, status, revoked_before: revokedBefore, version: client.version + 1 },
        },
      ];
    });
    return written[0] ?? this.get(clientId);
  }

  /**
   * Applies admin events once each (their ids are recorded in the same transaction), never
   * letting an older version overwrite a newer one.
   */
  async applyEvents(events: readonly AdminClientEvent[]): Promise<ApplyEventsResult> {
    let result: ApplyEventsResult = { applied: 0, duplicates: 0, stale: 0 };
    if (events.length === 0) return result;
    const ids = [...new Set(events.map((e) => e.payload.client_id))];
    await this.write(ids, async (current, manager) => {
      // Counted afresh by every attempt: only the one that commits is reported.
      result = { applied: 0, duplicates: 0, stale: 0 };
      const fresh = await recordProcessed(
        manager,
        PROCESSED_EVENTS,
        events.map((e) => e.id),
      );
      const now = new Date().toISOString();
      const changed = new Map<string, Change>();
      const ordered = [...events].sort((a, b) => a.payload.version - b.payload.version);
      for (const event of ordered) {
        if (!fresh.has(event.id)) {
          result.duplicates++;
          continue;
        }
        const clientId = event.payload.client_id;
        const before = changed.get(clientId)?.record ?? current.get(clientId);
        const after = applyEvent(before, event, now);
        if (!recordChanged(before, after)) {
          result.stale++;
          continue;
        }
        result.applied++;
        changed.set(clientId, { record: after, change: event.type.replace('client.', '') });
      }
      return [...changed.values()];
    });
    return result;
  }

  /**
   * One transaction: read the named clients, compute their new state, store it with one outbox
   * row for all changes; after commit, evict Redis copies and tell the relay. The first attempt
   * takes no locks and writes only rows nobody changed since it read them; if another writer got
   * there first, it rolls back and `compute` runs again on locked rows (each lost race counted
   * in `registry_write_conflicts_total`).
   */
  private async write(clientIds: string[], compute: Compute): Promise<ClientRecord[]> {
    let written = await this.attempt(clientIds, compute, false);
    // Locks hold rows that exist, but not an id another writer creates meanwhile without one:
    // each locked attempt that loses such a race finds that row there, and locked, next time.
    for (let locked = 0; !written && locked < LOCKED_ATTEMPTS; locked++)
      written = await this.attempt(clientIds, compute, true);
    if (!written)
      throw new ClientsError(ClientsErrorCode.Database, 'client write kept losing races');
    const { changes, outboxId } = written;
    if (outboxId !== undefined) {
      await this.cache.evict(changes.map((c) => c.record));
      this.relay.evicted(outboxId);
    }
    return changes.map((c) => c.record);
  }

  /** One transaction of {@link write}; undefined when it lost a race and rolled back. */
  private async attempt(
    clientIds: string[],
    compute: Compute,
    lock: boolean,
  ): Promise<{ changes: Change[]; outboxId: string | undefined } | undefined> {
    const correlationId = currentCorrelationId() ?? null;
    try {
      return await this.inTransaction(async (manager) => {
        const { records, rowVersions } = await this.clients.readMany(manager, clientIds, { lock });
        const now = new Date().toISOString();
        const changes = (await compute(records, manager)).map((c) => ({
          ...c,
          record: { ...c.record, updated_at: now },
        }));
        const stored = await this.clients.writeMany(
          manager,
          changes.map((c) => c.record),
          rowVersions,
        );
        if (!stored) throw new WriteConflict();
        const outboxId = await this.outbox.insert(
          manager,
          changes.map(({ record, change }) => ({
            event_id: newEventId(),
            client_id: record.client_id,
            version: record.version,
            status: record.status,
            change,
          })),
          correlationId,
        );
        return { changes, outboxId };
      });
    } catch (error) {
      if (!(error instanceof WriteConflict)) throw error;
      this.conflicts.inc();
      return undefined;
    }
  }

  private async inTransaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    try {
      return await this.dataSource.transaction(work);
    } catch (error) {
      if (error instanceof ClientsError || error instanceof WriteConflict) throw error;
      throw new ClientsError(ClientsErrorCode.Database, 'client registry database error', {
        cause: error,
      });
    }
  }

  private existing(current: Map<string, ClientRecord>, clientId: string): ClientRecord {
    const client = current.get(clientId);
    if (!client) throw ClientsError.notFound(clientId);
    return client;
  }

  private revokedConflict(clientId: string): ClientsError {
    return new ClientsError(
      ClientsErrorCode.Conflict,
      `client ${clientId} is revoked; revocation is final`,
    );
  }

  /** Operator fields without the ones left out (a DTO holds them as undefined). */
  private normalized(fields: ClientFields): Partial<ClientRecord> {
    const given = Object.entries(fields).filter(([, value]) => value !== undefined);
    return {
      ...Object.fromEntries(given),
      allowed_ips: fields.allowed_ips?.map(normalizeCidr) ?? [],
    } as Partial<ClientRecord>;
  }
}
