import { decodeJwt } from 'jose';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import type { Env } from '@libs/config';
import { Streams } from '@libs/messaging';
import {
  freePort,
  PrivatePostgres,
  PrivateRedis,
  spawnReadyApp,
  statusOf,
  registerTestClient,
  testEnv,
  waitFor,
  type RunningProcess,
} from '@libs/testing';

interface TokenAnswer {
  status: number;
  headers: Record<string, string>;
  body: { access_token?: string; error?: string; error_description?: string };
}

const FLUSH_GROUP = 'token-flush';

// auth and the registry as real processes on a private PostgreSQL and a private Redis, each of
// which the test stops and brings back.
describe('auth with a store down', () => {
  let pg: PrivatePostgres | undefined;
  let redis: PrivateRedis | undefined;
  const processes: RunningProcess[] = [];
  let env: Env;
  let authUrl: string;
  let credentials: string;

  async function boot(app: string, portVariable: string): Promise<string> {
    const port = await freePort();
    processes.push(await spawnReadyApp(app, { ...env, [portVariable]: String(port) }, port));
    return `http://127.0.0.1:${port}`;
  }

  async function createClient(registryUrl: string): Promise<string> {
    return (await registerTestClient(registryUrl, { scopes: ['a'] })).authorization;
  }

  /** One token request; a hang fails the test through the abort, never blocks it. */
  async function requestToken(): Promise<TokenAnswer> {
    const res = await fetch(`${authUrl}/oauth2/token`, {
      method: 'POST',
      headers: { authorization: credentials, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
      signal: AbortSignal.timeout(15_000),
    });
    const headers = Object.fromEntries(res.headers.entries());
    return { status: res.status, headers, body: (await res.json()) as TokenAnswer['body'] };
  }

  /** Issues a token that must succeed; returns its jti. */
  async function issue(): Promise<string> {
    const answer = await requestToken();
    expect(answer).toMatchObject({ status: 200 });
    return decodeJwt(answer.body.access_token!).jti!;
  }

  const authStatus = (path: string) => statusOf(`${authUrl}${path}`);
  const authReadiness = (status: number) => async () =>
    (await authStatus('/health/ready')) === status;
  const readinessBody = async () => (await fetch(`${authUrl}/health/ready`)).text();
  const expectAllAlive = () =>
    expect(processes.map((p) => p.child.exitCode ?? p.child.signalCode)).toEqual(
      processes.map(() => null),
    );

  beforeAll(async () => {
    pg = await PrivatePostgres.start();
    redis = await PrivateRedis.start();
    env = testEnv({
      HOST: '127.0.0.1',
      DATABASE_URL: pg.url,
      REDIS_URL: redis.url,
      RATE_LIMIT_DEFAULT: '1000000',
      TOKEN_FLUSH_INTERVAL_MS: '300',
      TOKEN_FLUSH_RECLAIM_MS: '500',
    });
    const registryUrl = await boot('client-registry', 'CLIENT_REGISTRY_PORT');
    credentials = await createClient(registryUrl);
    authUrl = await boot('auth', 'AUTH_PORT');
  }, 60_000);

  afterAll(async () => {
    await Promise.all(processes.map((proc) => proc.stop('SIGKILL')));
    await redis?.kill();
    await pg?.destroy();
  });

  it('issues tokens for a cached client while PostgreSQL is down and records each exactly once after', async () => {
    const store = new Redis(redis!.url, { maxRetriesPerRequest: 1 });
    const stream = `${env.REDIS_KEY_PREFIX}${Streams.AuthIssuedTokens}`;
    const db = new Client({ connectionString: pg!.url });
    try {
      const returned = [await issue()]; // the client is now in auth's cache
      await pg!.stop();
      // Auth stays in rotation: it serves cached clients without the database (readiness
      // does not depend on PostgreSQL for auth).
      await waitFor('auth still ready without PostgreSQL', authReadiness(200), 10_000);
      expect(await readinessBody()).not.toContain('postgres');

      const duringOutage: string[] = [];
      for (let i = 0; i < 20; i++) duringOutage.push(await issue());
      returned.push(...duringOutage);
      // A flush took the records (they are pending in its group), failed, and left them buffered.
      await waitFor(
        'a failed flush',
        async () => (await pendingInGroup(store, stream)) >= duringOutage.length,
        10_000,
      );
      const buffered = await bufferedJtis(store, stream);
      expect(duringOutage.filter((jti) => !buffered.has(jti))).toEqual([]);

      await pg!.resume();
      await waitFor('auth ready again', authReadiness(200), 20_000);
      await db.connect();
      const counts = () => recordCounts(db, returned);
      await waitFor(
        'every token recorded',
        async () => (await counts()).size === returned.length,
        20_000,
      ).catch(() => undefined);
      const final = await counts();
      expect(returned.filter((jti) => final.get(jti) !== 1)).toEqual([]);
      await waitFor(
        'the buffer drained',
        async () => (await bufferedJtis(store, stream)).size === 0,
        10_000,
      );
      expectAllAlive();
    } finally {
      store.disconnect();
      await db.end().catch(() => undefined);
    }
  }, 60_000);

  it('answers 503 temporarily_unavailable while Redis is down, stays alive, and issues again after', async () => {
    await issue();
    await redis!.kill();
    await waitFor('auth unready without Redis', authReadiness(503), 10_000);
    expect(await readinessBody()).toContain('redis');

    // The client cannot be looked up (its cache is bypassed while the invalidation feed is
    // down) and no record could be written: either way a retryable 503, never a token.
    for (let i = 0; i < 3; i++) {
      const answer = await requestToken();
      expect(answer).toMatchObject({ status: 503, body: { error: 'temporarily_unavailable' } });
      expect(answer.headers).toMatchObject({ 'retry-after': '1', 'cache-control': 'no-store' });
    }
    expect(await authStatus('/health/live')).toBe(200);
    expectAllAlive();

    await redis!.resume();
    await waitFor(
      'a token issued again',
      async () => (await requestToken()).status === 200,
      30_000,
    );
    await waitFor('auth ready again', authReadiness(200), 10_000);
    await issue();
    expectAllAlive();
  }, 60_000);
});

async function pendingInGroup(store: Redis, stream: string): Promise<number> {
  const [count] = (await store.xpending(stream, FLUSH_GROUP)) as [number, ...unknown[]];
  return count;
}

/** The jti of every record still in the Redis buffer. */
async function bufferedJtis(store: Redis, stream: string): Promise<Set<string>> {
  const entries = await store.xrange(stream, '-', '+');
  return new Set(entries.map(([, fields]) => fields[fields.indexOf('jti') + 1]));
}

/** Rows of `auth.issued_tokens` per jti, for the given jtis. */
async function recordCounts(db: Client, jtis: readonly string[]): Promise<Map<string, number>> {
  const { rows } = await db.query<{ jti: string; n: number }>(
    'SELECT jti::text AS jti, count(*)::int AS n FROM auth.issued_tokens WHERE jti = ANY($1::uuid[]) GROUP BY jti',
    [jtis],
  );
  return new Map(rows.map((r) => [r.jti, r.n]));
}
