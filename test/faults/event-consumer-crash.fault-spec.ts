import type { Redis } from 'ioredis';
import { Pool } from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import { RedisConfig, type Env } from '@libs/config';
import { Streams } from '@libs/messaging';
import type { AdminClientEvent } from '@libs/models';
import { closeRedis, createRedis } from '@libs/redis';
import {
  adminEvent,
  freePort,
  spawnApp,
  statusOf,
  testEnv,
  waitFor,
  type RunningProcess,
} from '@libs/testing';
import { xaddAdminEntries } from '../../apps/event-consumer/test/admin-entries';

const CLIENTS = 300;
const VERSIONS = 10; // per client: created, 8 updates, suspended
const KILLS = 6;

// The registry and the consumer as real processes (dist/); the consumer is SIGKILLed again and
// again while the events are published, and restarted, alternately under the same consumer name
// (it drains its own pending list at start) and under a new one (its pending entries are
// reclaimed by XAUTOCLAIM after min idle).
describe('event consumer killed while events are published', () => {
  let env: Env;
  let redis: Redis;
  let db: Pool;
  let registry: RunningProcess;
  let consumer: RunningProcess | undefined;
  let consumerPort: number;
  const stream = () => `${env.REDIS_KEY_PREFIX}${Streams.AdminClientEvents}`;

  beforeAll(async () => {
    env = testEnv({
      HOST: '127.0.0.1',
      CLIENT_REGISTRY_PORT: String(await freePort()),
      EVENT_CONSUMER_BATCH_SIZE: '200',
      EVENT_CONSUMER_BLOCK_MS: '100',
      EVENT_CONSUMER_RPC_TIMEOUT_MS: '800',
      EVENT_CONSUMER_HANDLER_TIMEOUT_MS: '1000',
      EVENT_CONSUMER_MIN_IDLE_MS: '1500',
      EVENT_CONSUMER_CLAIM_INTERVAL_MS: '300',
      EVENT_CONSUMER_MAX_DELIVERIES: '50',
    });
    consumerPort = await freePort();
    redis = createRedis(new RedisConfig(env.REDIS_URL!, ''));
    db = new Pool({ connectionString: env.DATABASE_URL, max: 2 });
    registry = spawnApp('client-registry', env);
    await ready(registry, Number(env.CLIENT_REGISTRY_PORT));
  }, 60_000);

  afterAll(async () => {
    await consumer?.stop('SIGKILL');
    await registry?.stop('SIGKILL');
    await closeRedis(redis);
    await db.end();
  });

  async function ready(proc: RunningProcess, port: number): Promise<void> {
    await waitFor(
      `ready on ${port}\n${proc.output()}`,
      async () => (await statusOf(`http://127.0.0.1:${port}/health/ready`)) === 200,
      30_000,
    );
  }

  function startConsumer(name: string): RunningProcess {
    return spawnApp('event-consumer', {
      ...env,
      EVENT_CONSUMER_PORT: String(consumerPort),
      EVENT_CONSUMER_NAME: name,
    });
  }

  async function publish(events: readonly AdminClientEvent[]): Promise<void> {
    await xaddAdminEntries(redis, stream(), events);
  }

  /** Events of every client, version by version, interleaved across clients. */
  function workload(): AdminClientEvent[][] {
    const created = Array.from({ length: CLIENTS }, () =>
      adminEvent('client.created', { version: 1 }),
    );
    const rounds = [created];
    for (let v = 2; v <= VERSIONS; v++) {
      const type = v === VERSIONS ? 'client.suspended' : 'client.updated';
      rounds.push(
        created.map((c) =>
          adminEvent(type, { client_id: c.payload.client_id, version: v, rate_limit: v }),
        ),
      );
    }
    return rounds;
  }

  /** Entries the group holds as pending for `consumer` (left unacked by a kill). */
  async function pendingOf(name: string): Promise<number> {
    const [, , , consumers] = (await redis.xpending(stream(), 'event-consumer')) as [
      number,
      string,
      string,
      [string, string][] | null,
    ];
    return Number((consumers ?? []).find(([c]) => c === name)?.[1] ?? 0);
  }

  it('applies every event exactly once and leaves nothing pending', async () => {
    const all = workload().flat();
    const slice = Math.ceil(all.length / (KILLS + 1));
    const unacked: number[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      // Alternately the same name (drains its own pending list) and a new one (reclaims).
      const name = kill % 2 === 0 ? 'crash-a' : `crash-${kill}`;
      consumer = startConsumer(name);
      await ready(consumer, consumerPort);
      await publish(all.slice(kill * slice, (kill + 1) * slice));
      await sleep(5 + Math.random() * 60);
      await consumer.stop('SIGKILL');
      unacked.push(await pendingOf(name));
    }
    consumer = startConsumer('crash-a');
    await publish(all.slice(KILLS * slice));
    await ready(consumer, consumerPort);
    await waitFor(
      'every entry acked',
      async () => {
        const groups = (await redis.xinfo('GROUPS', stream())) as unknown[][];
        const group = groups.find((g) => g[g.indexOf('name') + 1] === 'event-consumer') ?? [];
        return group[group.indexOf('lag') + 1] === 0 && group[group.indexOf('pending') + 1] === 0;
      },
      60_000,
    );

    // The kills did hit work in flight: they left entries delivered but not acked.
    expect(unacked.filter((n) => n > 0).length).toBeGreaterThan(0);
    const ids = all.map((e) => e.id);
    const clientIds = all.slice(0, CLIENTS).map((e) => e.payload.client_id);
    const processed = await db.query(
      'SELECT count(*)::int AS n FROM client_registry.processed_events WHERE event_id = ANY($1::text[])',
      [ids],
    );
    expect(processed.rows[0].n).toBe(all.length);
    const clients = await db.query(
      `SELECT count(*)::int AS n FROM client_registry.clients
       WHERE client_id = ANY($1::uuid[]) AND version = $2 AND status = 'SUSPENDED' AND rate_limit = $2
         AND client_secret_hash IS NOT NULL`,
      [clientIds, VERSIONS],
    );
    expect(clients.rows[0].n).toBe(CLIENTS);
    // Each event id is recorded once (primary key) in the transaction that applied it, and no
    // change was announced twice. (One version may carry two changes: a created event that
    // arrives after a newer update still fills the secret hash the row lacked.)
    const twice = await db.query(
      `SELECT client_id, version, change FROM client_registry.outbox_changes WHERE client_id = ANY($1::uuid[])
       GROUP BY client_id, version, change HAVING count(*) > 1`,
      [clientIds],
    );
    expect(twice.rows).toEqual([]);
    expect(await redis.xlen(`${stream()}.dlq`)).toBe(0);
  }, 180_000);
});
