import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Redis } from 'ioredis';
import { Pool } from 'pg';
import {
  loadClientRegistryConfig,
  loadEventConsumerConfig,
  RedisConfig,
  type Env,
} from '@libs/config';
import { listDeadLetters, Streams, type DeadLetter } from '@libs/messaging';
import type { AdminClientEvent, ClientRecord } from '@libs/models';
import { closeRedis, createRedis, Keyspace } from '@libs/redis';
import { bootApp, testEnv, waitFor } from '@libs/testing';
import { defineApp as defineRegistry } from '../../apps/client-registry/src/app.module';
import { defineApp as defineConsumer } from '../../apps/event-consumer/src/app.module';
import { ADMIN_EVENTS_GROUP } from '../../apps/event-consumer/src/admin-events/admin-events.module';
import { xaddAdminEntries, type AdminEntry } from '../../apps/event-consumer/test/admin-entries';

/** Short timings so retries and reclaims happen within a test. */
export const FAST_CONSUMER: Env = {
  EVENT_CONSUMER_BLOCK_MS: '100',
  EVENT_CONSUMER_RPC_TIMEOUT_MS: '500',
  EVENT_CONSUMER_HANDLER_TIMEOUT_MS: '2000',
  EVENT_CONSUMER_MIN_IDLE_MS: '3000',
  EVENT_CONSUMER_CLAIM_INTERVAL_MS: '300',
};

/** A change event read from `stream:client-registry.changes`. */
export interface ChangeEvent {
  id: string;
  type: string;
  client_id: string;
  version: number;
}

/**
 * The registry and the event consumer booted in this process on one Redis prefix and the
 * test database, with helpers that publish as the Admin Service does and read what changed.
 */
export class AdminEventsHarness {
  readonly keyspace: Keyspace;
  readonly redis: Redis;
  readonly db: Pool;
  consumer: NestFastifyApplication | undefined;
  registry: NestFastifyApplication | undefined;

  constructor(readonly env: Env) {
    this.keyspace = new Keyspace(env.REDIS_KEY_PREFIX ?? '');
    this.redis = createRedis(new RedisConfig(env.REDIS_URL!, ''));
    this.db = new Pool({ connectionString: env.DATABASE_URL, max: 2 });
  }

  /** Both apps (or only the consumer) with `overrides` on top of the test environment. */
  static async start(overrides: Env = {}, withRegistry = true): Promise<AdminEventsHarness> {
    const harness = new AdminEventsHarness(testEnv({ ...FAST_CONSUMER, ...overrides }));
    if (withRegistry) await harness.startRegistry();
    await harness.startConsumer();
    return harness;
  }

  async startRegistry(): Promise<void> {
    this.registry = await bootApp(defineRegistry(loadClientRegistryConfig(this.env)));
  }

  async startConsumer(): Promise<void> {
    this.consumer = await bootApp(defineConsumer(loadEventConsumerConfig(this.env)));
  }

  async close(): Promise<void> {
    await this.consumer?.close();
    await this.registry?.close();
    await closeRedis(this.redis);
    await this.db.end();
  }

  key(name: string): string {
    return this.keyspace.key(name);
  }

  /** XADDs entries exactly as the Admin Service's contract writes them, in one pipeline. */
  /** XADDs entries as the Admin Service does; resolves with the entry ids. */
  publish(entries: readonly (AdminEntry | AdminClientEvent)[]): Promise<string[]> {
    return xaddAdminEntries(this.redis, this.key(Streams.AdminClientEvents), entries);
  }

  /** Waits until the group has read every entry and acked or dead-lettered each. */
  async settled(timeoutMs = 20_000): Promise<void> {
    await waitFor(
      'the admin stream to be settled',
      async () => {
        const { lag, pending } = await this.groupState();
        return lag === 0 && pending === 0;
      },
      timeoutMs,
    );
  }

  async groupState(): Promise<{ lag: number; pending: number }> {
    const groups = (await this.redis.xinfo(
      'GROUPS',
      this.key(Streams.AdminClientEvents),
    )) as unknown[][];
    const info = groups.map(toRecord).find((g) => g.name === ADMIN_EVENTS_GROUP);
    if (!info) return { lag: -1, pending: -1 };
    return { lag: Number(info.lag ?? -1), pending: Number(info.pending) };
  }

  async client(clientId: string): Promise<ClientRecord | undefined> {
    const { rows } = await this.db.query(
      `SELECT client_id, status, version::float8 AS version, rate_limit, scopes, client_secret_hash, api_key_hash,
        to_char(revoked_before AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS revoked_before
       FROM client_registry.clients WHERE client_id = $1`,
      [clientId],
    );
    return rows[0] as ClientRecord | undefined;
  }

  /** How many of `clientIds` have a row. */
  countClients(clientIds: readonly string[]): Promise<number> {
    return this.count('clients WHERE client_id = ANY($1::uuid[])', clientIds);
  }

  /** Change rows the registry committed for a client (one per change it announces). */
  outboxChanges(clientId: string): Promise<number> {
    return this.count('outbox_changes WHERE client_id = $1', clientId);
  }

  /** How many of `eventIds` the registry recorded as processed. */
  processedEvents(eventIds: readonly string[]): Promise<number> {
    return this.count('processed_events WHERE event_id = ANY($1::text[])', eventIds);
  }

  private async count(fromWhere: string, param: unknown): Promise<number> {
    const sql = `SELECT count(*)::int AS n FROM client_registry.${fromWhere}`;
    const { rows } = await this.db.query(sql, [param]);
    return (rows[0] as { n: number }).n;
  }

  /** The value the registry's Redis copy holds for a client (undefined: none or a tombstone). */
  async cachedValue(clientId: string): Promise<unknown> {
    const raw = await this.redis.get(this.key(`client:{${clientId}}`));
    return raw === null ? undefined : (JSON.parse(raw) as { value?: unknown }).value;
  }

  /** Change events published for a client so far. */
  async changes(clientId: string): Promise<ChangeEvent[]> {
    const entries = (await this.redis.xrange(
      this.key(Streams.ClientRegistryChanges),
      '-',
      '+',
    )) as [string, string[]][];
    return entries
      .map(([, fields]) => toRecord(fields))
      .map((f) => ({
        id: f.id,
        type: f.type,
        ...(JSON.parse(f.payload) as { client_id: string; version: number }),
      }))
      .filter((c) => c.client_id === clientId)
      .map(({ id, type, client_id, version }) => ({ id, type, client_id, version }));
  }

  deadLetters(): Promise<DeadLetter[]> {
    return listDeadLetters(this.redis, this.keyspace, Streams.AdminClientEvents, { count: 1_000 });
  }

  /** Prometheus text of the consumer. */
  async metrics(): Promise<string> {
    const res = await this.consumer!.inject({ method: 'GET', url: '/metrics' });
    return res.body;
  }
}

function toRecord(fields: unknown[]): Record<string, string> {
  const record: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) record[String(fields[i])] = String(fields[i + 1]);
  return record;
}
