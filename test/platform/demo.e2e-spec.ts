import type { Redis } from 'ioredis';
import { Client } from 'pg';
import { RedisConfig, type Env } from '@libs/config';
import { Streams } from '@libs/messaging';
import { closeRedis, createRedis } from '@libs/redis';
import {
  freePort,
  spawnNode,
  spawnReadyApp,
  TEST_ADMIN_TOKEN,
  testEnv,
  type RunningProcess,
} from '@libs/testing';

const STEPS = [
  'the platform answers',
  'Admin Service publishes client.created',
  'the clients appear in the registry',
  'auth issues a token (client_credentials)',
  'the token verifies against the JWKS',
  'introspection says active',
  'Admin Service publishes client.suspended',
  'token requests are refused',
  'Admin Service publishes client.revoked',
  'the earlier token introspects as inactive',
  'clean up',
];

// `npm run demo` (scripts/demo.js) against the apps it needs, as built processes.
describe('npm run demo', () => {
  let env: Env;
  let demoEnv: Env;
  const apps: RunningProcess[] = [];

  beforeAll(async () => {
    const [auth, registry, consumer] = [await freePort(), await freePort(), await freePort()];
    env = testEnv({
      HOST: '127.0.0.1',
      AUTH_PORT: String(auth),
      CLIENT_REGISTRY_PORT: String(registry),
      EVENT_CONSUMER_PORT: String(consumer),
      ISSUER: `http://127.0.0.1:${auth}`,
      EVENT_CONSUMER_BLOCK_MS: '100',
    });
    apps.push(await spawnReadyApp('client-registry', env, registry));
    apps.push(
      ...(await Promise.all([
        spawnReadyApp('auth', env, auth),
        spawnReadyApp('event-consumer', env, consumer),
      ])),
    );
    // What a user of `npm start` sets: nothing but where the platform is, when not the default.
    demoEnv = {
      AUTH_PORT: env.AUTH_PORT,
      CLIENT_REGISTRY_PORT: env.CLIENT_REGISTRY_PORT,
      ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      REDIS_URL: env.REDIS_URL,
      REDIS_KEY_PREFIX: env.REDIS_KEY_PREFIX,
    };
  }, 60_000);

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.stop('SIGTERM')));
  });

  it('walks the whole flow, prints every step and leaves only revoked clients behind', async () => {
    const demo = spawnNode('scripts/demo.js', demoEnv);
    const code = await demo.exited;
    const output = demo.output();
    expect({ code, output }).toEqual({ code: 0, output: expect.any(String) });
    STEPS.forEach((title, i) => {
      const line = new RegExp(
        `^ *${i + 1}\\. ${title.replace(/[().]/g, '\\$&')} \\.+ ok +\\d+ ms$`,
        'm',
      );
      expect(output).toMatch(line);
    });
    expect(output).toMatch(/401 invalid_client \d+ ms after client\.suspended was published/);
    expect(output).toContain('introspection: {"active":false}');
    expect(output).toContain('5 of 5 admin stream entries removed');
    expect(output).toContain(`demo passed: ${STEPS.length} steps`);

    const runId = /^Portico demo (\w+):/m.exec(output)![1];
    const db = new Client({ connectionString: env.DATABASE_URL });
    await db.connect();
    const redis: Redis = createRedis(new RedisConfig(env.REDIS_URL!, ''));
    try {
      const { rows } = await db.query(
        'SELECT status FROM client_registry.clients WHERE client_code LIKE $1',
        [`portico-demo-${runId}-%`],
      );
      expect(rows).toEqual([{ status: 'REVOKED' }, { status: 'REVOKED' }]);
      expect(await redis.xlen(`${env.REDIS_KEY_PREFIX}${Streams.AdminClientEvents}`)).toBe(0);
    } finally {
      await db.end();
      await closeRedis(redis);
    }
  }, 60_000);

  it('exits 1 naming the service when auth is unreachable', async () => {
    const demo = spawnNode('scripts/demo.js', { ...demoEnv, AUTH_PORT: String(await freePort()) });
    expect(await demo.exited).toBe(1);
    expect(demo.output()).toMatch(
      /1\. the platform answers \.+ FAILED[\s\S]*auth is not reachable at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/,
    );
    expect(demo.output()).toContain('nothing to clean up');
    expect(demo.output()).toMatch(/demo FAILED at step 1 \(the platform answers\)/);
  });
});
