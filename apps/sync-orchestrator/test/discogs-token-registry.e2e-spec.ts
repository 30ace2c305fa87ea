import { randomBytes, randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client } from 'pg';
import { loadSyncOrchestratorConfig, type Env } from '@libs/config';
import { createHttpApp } from '@libs/platform';
import {
  freePort,
  spawnReadyApp,
  testDatabaseUrl,
  TestJwtIssuer,
  type RunningProcess,
} from '@libs/testing';
import { AppModule } from '../src/app.module';
import { DiscogsTokenStore } from '../src/credentials/discogs-token.store';
import { syncEnv } from './sync-harness';

// The production wiring: sync-orchestrator keeps users' Discogs tokens in a real client-registry
// process (from dist/: `node scripts/build.js` first) over the credentials RPC.
describe('Discogs tokens kept in the client-registry', () => {
  let issuer: TestJwtIssuer;
  let env: Env;
  let registry: RunningProcess | undefined;
  let sync: NestFastifyApplication;
  let url: string;
  let pg: Client;

  const startRegistry = async () => {
    const port = await freePort();
    registry = await spawnReadyApp(
      'client-registry',
      { ...env, CLIENT_REGISTRY_PORT: String(port), HOST: '127.0.0.1' },
      port,
    );
  };

  const putToken = async (userId: string, token: string) =>
    fetch(`${url}/api/users/discogs-token`, {
      method: 'PUT',
      headers: {
        authorization: `Bearer ${await issuer.sign(userId)}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ token }),
    });

  beforeAll(async () => {
    issuer = await TestJwtIssuer.start();
    env = syncEnv(issuer);
    await startRegistry();
    const port = await freePort();
    const config = loadSyncOrchestratorConfig({
      ...env,
      SYNC_ORCHESTRATOR_PORT: String(port),
      HOST: '127.0.0.1',
    });
    sync = await createHttpApp(AppModule.forRoot(config), config);
    await sync.listen(port, '127.0.0.1');
    url = `http://127.0.0.1:${port}`;
    pg = new Client({ connectionString: testDatabaseUrl() });
    await pg.connect();
  }, 60_000);

  afterAll(async () => {
    await sync?.close();
    await registry?.stop();
    await pg?.end();
    await issuer?.close();
  });

  it('stores the token encrypted as the user’s discogs credential and reads it back', async () => {
    const userId = `user-${randomUUID()}`;
    const token = randomBytes(20).toString('hex');
    const res = await putToken(userId, token);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ stored: true, looksValid: true });

    const rows = await pg.query<{ token: string }>(
      `SELECT token FROM client_registry.user_oauth_credentials
       WHERE user_id = $1 AND provider = 'discogs'`,
      [userId],
    );
    expect(rows.rows).toHaveLength(1);
    expect(rows.rows[0].token).not.toContain(token);

    const store = sync.get(DiscogsTokenStore);
    expect(await store.get(userId)).toBe(token);
    expect(await store.get(`user-${randomUUID()}`)).toBeUndefined();

    const replaced = randomBytes(20).toString('hex');
    expect((await putToken(userId, replaced)).status).toBe(200);
    expect(await store.get(userId)).toBe(replaced);
  });

  it('answers 503 while the registry is down, and stores again once it is back', async () => {
    await registry?.stop();
    registry = undefined;
    const userId = `user-${randomUUID()}`;
    const token = randomBytes(20).toString('hex');
    const refused = await putToken(userId, token);
    expect(refused.status).toBe(503);
    expect(JSON.stringify(await refused.json())).not.toContain(token);

    await startRegistry();
    expect((await putToken(userId, token)).status).toBe(200);
    expect(await sync.get(DiscogsTokenStore).get(userId)).toBe(token);
  }, 60_000);
});
