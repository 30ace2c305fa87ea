import { decodeJwt } from 'jose';
import { Client } from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  freePort,
  spawnReadyApp,
  registerTestClient,
  testDatabaseUrl,
  testEnv,
  waitFor,
  type RunningProcess,
} from '@libs/testing';
import type { Env } from '@libs/config';

// Every token returned to a caller has exactly one record row, however often auth is SIGKILLed.
describe('auth token records survive SIGKILL', () => {
  const returned: string[] = [];
  let env: Env;
  let registry: RunningProcess;
  let authPort: number;
  let credentials: string;

  async function startAuth(): Promise<RunningProcess> {
    return spawnReadyApp('auth', { ...env, AUTH_PORT: String(authPort) }, authPort);
  }

  /** Issues tokens from 20 concurrent callers until stopped; keeps the jti of every 200. */
  function hammer(): { stop: () => Promise<void> } {
    let running = true;
    const worker = async () => {
      while (running) {
        try {
          const res = await fetch(`http://127.0.0.1:${authPort}/oauth2/token`, {
            method: 'POST',
            headers: {
              authorization: credentials,
              'content-type': 'application/x-www-form-urlencoded',
            },
            body: 'grant_type=client_credentials',
          });
          if (res.status === 200)
            returned.push(
              decodeJwt(((await res.json()) as { access_token: string }).access_token).jti!,
            );
        } catch {
          await sleep(20); // auth is down: it was just killed
        }
      }
    };
    const workers = Array.from({ length: 20 }, worker);
    return { stop: async () => void ((running = false), await Promise.all(workers)) };
  }

  beforeAll(async () => {
    const registryPort = await freePort();
    authPort = await freePort();
    env = testEnv({
      HOST: '127.0.0.1',
      CLIENT_REGISTRY_PORT: String(registryPort),
      ISSUER: `http://127.0.0.1:${authPort}`,
      RATE_LIMIT_DEFAULT: '1000000',
      TOKEN_FLUSH_INTERVAL_MS: '500',
      TOKEN_FLUSH_RECLAIM_MS: '1000',
    });
    registry = await spawnReadyApp('client-registry', env, registryPort);
    credentials = (await registerTestClient(`http://127.0.0.1:${registryPort}`, { scopes: ['a'] }))
      .authorization;
  }, 60_000);

  afterAll(async () => {
    await registry.stop('SIGTERM');
  });

  it('loses no record across repeated SIGKILLs', async () => {
    for (let round = 0; round < 4; round++) {
      const auth = await startAuth();
      const load = hammer();
      await sleep(600 + Math.random() * 600);
      await auth.stop('SIGKILL');
      await load.stop();
    }
    // A last, clean instance flushes what the killed ones left: buffered records, and records
    // a killed flusher had read but not acknowledged (taken over after TOKEN_FLUSH_RECLAIM_MS).
    const auth = await startAuth();
    expect(returned.length).toBeGreaterThan(100);
    const db = new Client({ connectionString: testDatabaseUrl() });
    await db.connect();
    const counts = async () => {
      const { rows } = await db.query<{ jti: string; n: number }>(
        'SELECT jti::text AS jti, count(*)::int AS n FROM auth.issued_tokens WHERE jti = ANY($1::uuid[]) GROUP BY jti',
        [returned],
      );
      return new Map(rows.map((r) => [r.jti, r.n]));
    };
    try {
      await waitFor(
        'every returned token recorded',
        async () => (await counts()).size === returned.length,
        30_000,
      ).catch(() => undefined);
      const final = await counts();
      expect(returned.filter((jti) => final.get(jti) !== 1)).toEqual([]);
    } finally {
      await db.end();
    }
    expect(await auth.stop('SIGTERM')).toBe(0);
  }, 120_000);
});
