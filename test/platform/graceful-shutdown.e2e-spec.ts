import type { Redis } from 'ioredis';
import { decodeJwt } from 'jose';
import { Client } from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import { RedisConfig, type Env } from '@libs/config';
import { compareEntryIds, Streams } from '@libs/messaging';
import { closeRedis, createRedis } from '@libs/redis';
import {
  adminEvent,
  freePort,
  registerTestClient,
  spawnReadyApp,
  TEST_ADMIN_TOKEN,
  testEnv,
  waitFor,
  type RunningProcess,
} from '@libs/testing';
import { xaddAdminEntries } from '../../apps/event-consumer/test/admin-entries';
import {
  describeTally,
  expectGraceful,
  Load,
  SHUTDOWN_ENV,
  sigtermUnderLoad,
} from './shutdown-under-load';

/** Fields of a stream entry as a map. */
const fieldsOf = (flat: string[]) =>
  new Map(Array.from({ length: flat.length / 2 }, (_, i) => [flat[2 * i], flat[2 * i + 1]]));

// Auth, the event consumer and the registry as built processes, each SIGTERMed under light load
// of its kind. One registry serves the other two and is itself stopped last. (The apps holding
// long sessions, sync-orchestrator and mail-relay: graceful-shutdown-sessions.e2e-spec.ts.)
describe('SIGTERM under light load', () => {
  let env: Env;
  let registry: RunningProcess;
  let registryUrl: string;
  let db: Client;
  let redis: Redis;
  const started: RunningProcess[] = [];
  const key = (stream: string) => `${env.REDIS_KEY_PREFIX}${stream}`;

  beforeAll(async () => {
    const registryPort = await freePort();
    registryUrl = `http://127.0.0.1:${registryPort}`;
    env = testEnv({
      HOST: '127.0.0.1',
      CLIENT_REGISTRY_PORT: String(registryPort),
      ...SHUTDOWN_ENV,
    });
    registry = await spawnReadyApp('client-registry', env, registryPort);
    started.push(registry);
    db = new Client({ connectionString: env.DATABASE_URL });
    await db.connect();
    redis = createRedis(new RedisConfig(env.REDIS_URL!, ''));
  }, 60_000);

  afterAll(async () => {
    await Promise.all(started.map((app) => app.stop('SIGKILL')));
    await db?.end();
    if (redis) await closeRedis(redis);
  });

  it('auth: serves tokens through the drain; every token returned has exactly one record', async () => {
    const port = await freePort();
    const auth = await spawnReadyApp(
      'auth',
      { ...env, AUTH_PORT: String(port), ISSUER: `http://127.0.0.1:${port}` },
      port,
    );
    started.push(auth);
    const client = await registerTestClient(registryUrl);
    const returned: string[] = [];
    // fetch keeps connections alive between requests, as API clients do.
    const load = new Load(4, async () => {
      const res = await fetch(`http://127.0.0.1:${port}/oauth2/token`, {
        method: 'POST',
        headers: {
          authorization: client.authorization,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'grant_type=client_credentials',
      });
      const body = (await res.json()) as { access_token?: string };
      if (res.status !== 200) return { failed: `${res.status} ${JSON.stringify(body)}` };
      returned.push(decodeJwt(body.access_token!).jti!);
      return 'ok';
    });
    const outcome = await sigtermUnderLoad(auth, port, { load, warm: () => load.ok >= 50 });
    console.log(describeTally('auth', outcome.tally!));
    expectGraceful(outcome);
    expect(outcome.tally!.okWhileUnready).toBeGreaterThan(0);

    // The final flush wrote the buffer to PostgreSQL; a record added after it stays in the
    // Redis buffer for the flusher of another pod. No token was issued without being returned.
    const stored = await db.query<{ jti: string }>(
      'SELECT jti::text AS jti FROM auth.issued_tokens WHERE client_id = $1',
      [client.id],
    );
    const buffered = (await redis.xrange(key(Streams.AuthIssuedTokens), '-', '+'))
      .map(([, fields]) => fieldsOf(fields))
      .filter((fields) => fields.get('cid') === client.id)
      .map((fields) => fields.get('jti')!);
    expect(stored.rows.length).toBeGreaterThan(0);
    expect([...stored.rows.map((r) => r.jti), ...buffered].sort()).toEqual(returned.sort());
  }, 60_000);

  it('event-consumer: finishes the batch in hand; every event is applied or left unread', async () => {
    const port = await freePort();
    const consumerEnv = {
      ...env,
      EVENT_CONSUMER_PORT: String(port),
      EVENT_CONSUMER_BLOCK_MS: '100',
      EVENT_CONSUMER_BATCH_SIZE: '20',
    };
    const first = await spawnReadyApp(
      'event-consumer',
      { ...consumerEnv, EVENT_CONSUMER_NAME: 'sigterm-first' },
      port,
    );
    started.push(first);
    const stream = key(Streams.AdminClientEvents);
    const published: { eventId: string; entryId: string }[] = [];
    let publishing = true;
    const publisher = (async () => {
      while (publishing) {
        const events = Array.from({ length: 5 }, () => adminEvent('client.created'));
        const entryIds = await xaddAdminEntries(redis, stream, events);
        events.forEach((e, i) => published.push({ eventId: e.id, entryId: entryIds[i] }));
        await sleep(20);
      }
    })();
    const applied = async (): Promise<Set<string>> => {
      const { rows } = await db.query<{ event_id: string }>(
        'SELECT event_id FROM client_registry.processed_events WHERE event_id = ANY($1::text[])',
        [published.map((p) => p.eventId)],
      );
      return new Set(rows.map((r) => r.event_id));
    };
    const outcome = await sigtermUnderLoad(first, port, {
      warm: async () => (await applied()).size >= 50,
    });
    publishing = false;
    await publisher;
    expectGraceful(outcome);

    // Nothing in hand was dropped: no entry left pending under the stopped consumer's name, and
    // every entry delivered to it was applied. The rest was never read.
    const [pending] = (await redis.xpending(stream, 'event-consumer')) as [number];
    expect(pending).toBe(0);
    const groups = ((await redis.xinfo('GROUPS', stream)) as string[][]).map(fieldsOf);
    const group = groups.find((g) => g.get('name') === 'event-consumer')!;
    const lastDelivered = group.get('last-delivered-id')!;
    const done = await applied();
    const delivered = published.filter((p) => compareEntryIds(p.entryId, lastDelivered) <= 0);
    expect(delivered.filter((p) => !done.has(p.eventId))).toEqual([]);
    console.log(
      `event-consumer SIGTERM while events are published: ${published.length} published, ` +
        `${delivered.length} delivered and applied, ${published.length - delivered.length} unread`,
    );

    // The next consumer picks up where it stopped: nothing was lost.
    const second = await spawnReadyApp(
      'event-consumer',
      { ...consumerEnv, EVENT_CONSUMER_NAME: 'sigterm-second' },
      port,
    );
    started.push(second);
    await waitFor('every event applied', async () => (await applied()).size === published.length);
    expect(await second.stop('SIGTERM')).toBe(0);
  }, 60_000);

  it('client-registry: serves reads through the drain', async () => {
    const { id } = await registerTestClient(registryUrl);
    const load = new Load(4, async () => {
      const res = await fetch(`${registryUrl}/admin/clients/${id}`, {
        headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
      });
      const body = (await res.json()) as { client_id?: string };
      return res.status === 200 && body.client_id === id
        ? 'ok'
        : { failed: `${res.status} ${JSON.stringify(body)}` };
    });
    const outcome = await sigtermUnderLoad(registry, Number(env.CLIENT_REGISTRY_PORT), {
      load,
      warm: () => load.ok >= 50,
    });
    console.log(describeTally('client-registry', outcome.tally!));
    expectGraceful(outcome);
    expect(outcome.tally!.okWhileUnready).toBeGreaterThan(0);
  }, 30_000);
});
