import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Redis } from 'ioredis';
import { loadClientRegistryConfig } from '@libs/config';
import { StreamPublisher } from '@libs/messaging';
import { createHttpApp } from '@libs/platform';
import { REDIS } from '@libs/redis';
import { adminEvent, testEnv, waitFor } from '@libs/testing';
import { Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { AppModule } from '../src/app.module';
import { ClientCache } from '../src/clients/client-cache';
import { ClientRepository } from '../src/clients/client.repository';
import { ClientsService } from '../src/clients/clients.service';
import { OutboxRelay } from '../src/outbox/outbox.relay';

type Entry = [string, string[]];

describe('client-registry event application and outbox', () => {
  let app: NestFastifyApplication;
  let redis: Redis;
  let clients: ClientsService;
  let relay: OutboxRelay;
  let changes: string;

  beforeAll(async () => {
    const env = testEnv();
    changes = `${env.REDIS_KEY_PREFIX}stream:client-registry.changes`;
    const config = loadClientRegistryConfig(env);
    app = await createHttpApp(AppModule.forRoot(config), config);
    await app.init();
    redis = app.get(REDIS);
    clients = app.get(ClientsService);
    relay = app.get(OutboxRelay);
  });

  afterAll(async () => {
    await app.close();
  });

  /** registry_write_conflicts_total as the registry counts it now. */
  async function conflicts(): Promise<number> {
    const metric = app.get(Registry).getSingleMetric('registry_write_conflicts_total')!;
    return (await metric.get()).values[0]?.value ?? 0;
  }

  async function changeEvents(
    clientId: string,
  ): Promise<{ id: string; version: number; type: string }[]> {
    // The relay also runs in the background (SKIP LOCKED): wait until nothing is left unsent.
    await waitFor('outbox drained', async () => {
      await relay.publishPending();
      const [{ n }] = await app
        .get(DataSource)
        .query(
          'SELECT count(*)::int AS n FROM client_registry.outbox_changes WHERE client_id = $1 AND sent_at IS NULL',
          [clientId],
        );
      return n === 0;
    });
    const entries = (await redis.xrange(changes, '-', '+')) as Entry[];
    return entries
      .map(([, fields]) =>
        Object.fromEntries(
          fields.reduce<[string, string][]>(
            (acc, v, i, all) => (i % 2 ? acc : [...acc, [v, all[i + 1]]]),
            [],
          ),
        ),
      )
      .filter((f) => JSON.parse(f.payload).client_id === clientId)
      .map((f) => ({ id: f.id, type: f.type, version: JSON.parse(f.payload).version as number }));
  }

  it('applies an event once even when it is delivered twice, and a replayed batch changes nothing', async () => {
    const created = adminEvent('client.created', { version: 1 });
    const suspended = adminEvent('client.suspended', {
      client_id: created.payload.client_id,
      version: 2,
    });
    expect(await clients.applyEvents([created, suspended])).toEqual({
      applied: 2,
      duplicates: 0,
      stale: 0,
    });
    expect(await clients.applyEvents([created, suspended, created])).toEqual({
      applied: 0,
      duplicates: 3,
      stale: 0,
    });
    const events = await changeEvents(created.payload.client_id);
    expect(events.map((e) => e.version)).toEqual([2]);
    expect((await clients.get(created.payload.client_id)).status).toBe('SUSPENDED');
  });

  it('keeps version 5 when version 4 arrives after it', async () => {
    const v5 = adminEvent('client.created', { version: 5, rate_limit: 5 });
    const v4 = adminEvent('client.updated', {
      client_id: v5.payload.client_id,
      version: 4,
      rate_limit: 4,
    });
    await clients.applyEvents([v5]);
    expect(await clients.applyEvents([v4])).toEqual({ applied: 0, duplicates: 0, stale: 1 });
    expect(await clients.get(v5.payload.client_id)).toMatchObject({ version: 5, rate_limit: 5 });
  });

  it('ends at the highest version when 50 versions arrive shuffled in several batches', async () => {
    const first = adminEvent('client.created', { version: 1 });
    const id = first.payload.client_id;
    const events = [
      first,
      ...Array.from({ length: 49 }, (_, i) =>
        adminEvent('client.updated', { client_id: id, version: i + 2, rate_limit: i + 2 }),
      ),
    ];
    events.sort(() => Math.random() - 0.5);
    for (let i = 0; i < events.length; i += 7) await clients.applyEvents(events.slice(i, i + 7));
    expect(await clients.get(id)).toMatchObject({ version: 50, rate_limit: 50 });
  });

  it('serializes concurrent transactions creating the same client: the highest version wins', async () => {
    for (let round = 0; round < 5; round++) {
      const first = adminEvent('client.created', { version: 1, rate_limit: 1 });
      const id = first.payload.client_id;
      const rest = Array.from({ length: 9 }, (_, i) =>
        adminEvent('client.updated', { client_id: id, version: i + 2, rate_limit: i + 2 }),
      );
      await Promise.all([first, ...rest].reverse().map((event) => clients.applyEvents([event])));
      expect(await clients.get(id)).toMatchObject({
        version: 10,
        rate_limit: 10,
        client_secret_hash: first.payload.client_secret_hash,
      });
    }
  });

  /**
   * Runs `work` while each of the registry's client reads is followed by the next of
   * `interferers` (another writer, committing between that read and its transaction's write);
   * answers whether each read locked, in order, the interferers' own reads included.
   */
  async function withInterferers(
    interferers: (() => Promise<unknown>)[],
    work: () => Promise<void>,
  ): Promise<boolean[]> {
    const repository = app.get(ClientRepository);
    const read = repository.readMany.bind(repository);
    const reads: boolean[] = [];
    let interfering = false;
    const spy = jest
      .spyOn(repository, 'readMany')
      .mockImplementation(async (manager, ids, options) => {
        reads.push(options.lock);
        const rows = await read(manager, ids, options);
        const interferer = interfering ? undefined : interferers.shift();
        if (interferer) {
          interfering = true;
          await interferer().finally(() => (interfering = false));
        }
        return rows;
      });
    try {
      await work();
    } finally {
      spy.mockRestore();
    }
    return reads;
  }

  it('redoes a write with row locks when another writer changed the client after it read it', async () => {
    const created = adminEvent('client.created', { version: 1, rate_limit: 1 });
    const id = created.payload.client_id;
    await clients.applyEvents([created]);
    const before = await conflicts();
    // An operator suspends the client between the event's read and its write. Version 5: the
    // suspension takes version 2, which would make a 2 stale.
    const updated = adminEvent('client.updated', { client_id: id, version: 5, rate_limit: 5 });
    const reads = await withInterferers([() => clients.setStatus(id, 'SUSPENDED')], async () => {
      expect(await clients.applyEvents([updated])).toEqual({ applied: 1, duplicates: 0, stale: 0 });
    });
    // The event's write lost to the operator's, then ran again on the locked, suspended row.
    expect(reads).toEqual([false, false, true]);
    expect(await conflicts()).toBe(before + 1);
    expect(await clients.get(id)).toMatchObject({ status: 'SUSPENDED', rate_limit: 5, version: 5 });
    const events = await changeEvents(id);
    expect(events.map((e) => [e.type, e.version])).toEqual([
      ['client.created', 1],
      ['client.suspended', 2],
      ['client.updated', 5],
    ]);
  });

  it('tries again with locks when a client it was about to create appears meanwhile', async () => {
    // A locked attempt holds the rows it read, but not ids with no row yet: an unlocked writer
    // may create one of those, and the locked attempt must lose that race gracefully too.
    const x = adminEvent('client.created', { version: 1, rate_limit: 1 });
    const y = adminEvent('client.created', { version: 1, rate_limit: 1 });
    const before = await conflicts();
    // Other writers create x during the batch's unlocked attempt, then y during its locked one.
    const other = (clientId: string) => () =>
      clients.applyEvents([
        adminEvent('client.created', { client_id: clientId, version: 1, rate_limit: 7 }),
      ]);
    const reads = await withInterferers(
      [other(x.payload.client_id), other(y.payload.client_id)],
      async () => {
        // Both events are as old as the rows the others wrote (same version): they only fill.
        expect(await clients.applyEvents([x, y])).toEqual({ applied: 0, duplicates: 0, stale: 2 });
      },
    );
    expect(reads).toEqual([false, false, true, false, true]);
    expect(await conflicts()).toBe(before + 2);
    expect(await clients.get(x.payload.client_id)).toMatchObject({ version: 1, rate_limit: 7 });
    expect(await clients.get(y.payload.client_id)).toMatchObject({ version: 1, rate_limit: 7 });
  });

  it('publishes a change that missed its relay (crash between commit and publish) later, exactly once', async () => {
    const event = adminEvent('client.created', { version: 1 });
    const publisher = app.get(StreamPublisher);
    const failing = jest.spyOn(publisher, 'publishMany').mockRejectedValue(new Error('relay died'));
    await clients.applyEvents([event]);
    await new Promise((r) => setTimeout(r, 50));
    expect(failing).toHaveBeenCalled();
    const unsent = await app
      .get(DataSource)
      .query(
        'SELECT event_id FROM client_registry.outbox_changes WHERE client_id = $1 AND sent_at IS NULL',
        [event.payload.client_id],
      );
    expect(unsent).toHaveLength(1);
    failing.mockRestore();
    const events = await changeEvents(event.payload.client_id);
    expect(events).toEqual([{ id: unsent[0].event_id, type: 'client.created', version: 1 }]);
    expect(await changeEvents(event.payload.client_id)).toHaveLength(1);
  });

  it('evicts in the relay the clients a writer committed but did not evict, and only those', async () => {
    const evict = jest.spyOn(app.get(ClientCache), 'evict');
    const evictions = (clientId: string) =>
      evict.mock.calls.flatMap(([records]) => records).filter((r) => r.client_id === clientId)
        .length;
    try {
      // A writer that dies between its commit and its eviction: the relay evicts for it.
      const lost = adminEvent('client.created', { version: 1 });
      evict.mockRejectedValueOnce(new Error('pod died'));
      await expect(clients.applyEvents([lost])).rejects.toThrow('pod died');
      await changeEvents(lost.payload.client_id);
      expect(evictions(lost.payload.client_id)).toBe(2);
      // A writer that evicted: the relay publishes without evicting a second time.
      const kept = adminEvent('client.created', { version: 1 });
      await clients.applyEvents([kept]);
      expect(await changeEvents(kept.payload.client_id)).toHaveLength(1);
      expect(evictions(kept.payload.client_id)).toBe(1);
    } finally {
      evict.mockRestore();
    }
  });

  it('emits one change event per committed change, with distinct event ids', async () => {
    const created = adminEvent('client.created', { version: 1 });
    const id = created.payload.client_id;
    await clients.applyEvents([created]);
    await clients.setStatus(id, 'SUSPENDED');
    await clients.setStatus(id, 'SUSPENDED');
    await clients.setStatus(id, 'ACTIVE');
    await clients.rotateSecret(id, 0);
    const events = await changeEvents(id);
    expect(events.map((e) => e.type)).toEqual([
      'client.created',
      'client.suspended',
      'client.activated',
      'client.secret_rotated',
    ]);
    expect(new Set(events.map((e) => e.id)).size).toBe(4);
  });
});
