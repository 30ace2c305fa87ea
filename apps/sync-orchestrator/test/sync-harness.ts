import { randomBytes, randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client } from 'pg';
import { io } from 'socket.io-client';
import { loadSyncOrchestratorConfig, type Env } from '@libs/config';
import { createHttpApp } from '@libs/platform';
import {
  FakeDiscogs,
  FakeDiscogsTokenStore,
  freePort,
  spawnReadyApp,
  TestJwtIssuer,
  type RunningProcess,
  testDatabaseUrl,
  testEnv,
  type FakeDiscogsUser,
} from '@libs/testing';
import {
  SyncClient,
  type CompleteData,
  type ErrorData,
  type StartSyncRequest,
  type SyncClientOptions,
} from '@libs/sync-client';
import { AppModule } from '../src/app.module';

/** A user of the tests: their Portico id and their (fake) Discogs account. */
export interface TestUser {
  userId: string;
  discogs: FakeDiscogsUser;
}

let nextDiscogsId = Math.floor(Date.now() / 1000) % 100_000;

/** A user with a fresh Discogs account owning `collection` releases and wanting `wants`. */
export function testUser(collection: number, wants = 0): TestUser {
  nextDiscogsId += 1;
  return {
    userId: `user-${randomUUID()}`,
    discogs: {
      token: randomBytes(20).toString('hex'),
      username: `collector_${nextDiscogsId}`,
      id: nextDiscogsId,
      collection,
      wants,
    },
  };
}

/** Environment of a sync-orchestrator under test: the issuer, scaled pacing, the test stores. */
export function syncEnv(issuer: TestJwtIssuer, overrides: Env = {}): Env {
  return testEnv({
    ISSUER: issuer.issuer,
    SYNC_RATE_LIMIT: '10',
    SYNC_RATE_WINDOW_MS: '1000',
    SYNC_RETRY_BASE_MS: '50',
    SYNC_RETRY_MAX_MS: '400',
    SYNC_REQUEST_TIMEOUT_MS: '5000',
    SYNC_DRIVER_LEASE_MS: '1500',
    SYNC_PAUSE_NOTICE_MS: '300',
    ...overrides,
  });
}

/** sync-orchestrator booted in this process, with a fake token store. */
export interface InProcessApp {
  app: NestFastifyApplication;
  url: string;
  tokens: FakeDiscogsTokenStore;
  close(): Promise<void>;
}

export async function startInProcess(env: Env): Promise<InProcessApp> {
  const port = await freePort();
  const config = loadSyncOrchestratorConfig({
    ...env,
    SYNC_ORCHESTRATOR_PORT: String(port),
    HOST: '127.0.0.1',
  });
  const tokens = new FakeDiscogsTokenStore();
  const app = await createHttpApp(AppModule.forRoot(config, { discogsTokenStore: tokens }), config);
  await app.listen(port, '127.0.0.1');
  return { app, url: `http://127.0.0.1:${port}`, tokens, close: () => app.close() };
}

/** A Node client of `user` against `serverUrl`, executing requests against the fake Discogs. */
export async function clientOf(
  serverUrl: string,
  issuer: TestJwtIssuer,
  discogs: FakeDiscogs,
  user: TestUser,
  options: Partial<SyncClientOptions> = {},
): Promise<SyncClient> {
  return new SyncClient({
    serverUrl,
    accessToken: await issuer.sign(user.userId),
    discogsToken: user.discogs.token,
    io,
    unsafeDiscogsBaseUrl: discogs.origin,
    transports: ['websocket'],
    reconnectionDelayMs: 100,
    reconnectionDelayMaxMs: 300,
    ...options,
  });
}

/**
 * Starts a sync and watches it from the first message on (its messages may arrive before the
 * REST answer does): `outcome` resolves on completion and rejects on a fatal error.
 */
export async function startWatched(
  client: SyncClient,
  request: StartSyncRequest = {},
): Promise<{ sessionId: string; outcome: Promise<CompleteData> }> {
  const watched: { id?: string } = {};
  const outcome = outcomeOf(client, () => watched.id);
  outcome.catch(() => undefined); // observed by the caller; never an unhandled rejection here
  watched.id = (await client.api.startSync(request)).sessionId;
  return { sessionId: watched.id, outcome };
}

/** Resolves with the session's completion or rejects with its fatal error. */
export function outcomeOf(
  client: SyncClient,
  sessionId: () => string | undefined,
): Promise<CompleteData> {
  return new Promise((resolve, reject) => {
    client.on('complete', (done) => {
      if (done.sessionId === sessionId()) resolve(done);
    });
    client.on('error', (error: ErrorData) => {
      if (error.fatal && error.sessionId === sessionId()) reject(new Error(error.message));
    });
  });
}

/** A connection to the test database for assertions. */
export async function testDb(): Promise<Client> {
  const db = new Client({ connectionString: testDatabaseUrl() });
  await db.connect();
  return db;
}

/** Instance ids stored for a user and type, with how often each appears. */
export async function storedItems(db: Client, userId: string, syncType: string): Promise<number[]> {
  const { rows } = await db.query<{ instance_id: string }>(
    'SELECT instance_id FROM sync.discogs_items WHERE user_id = $1 AND sync_type = $2 ORDER BY instance_id',
    [userId, syncType],
  );
  return rows.map((r) => Number(r.instance_id));
}

/** sync-orchestrator as a real process (from dist/), ready to serve. */
export async function spawnOrchestrator(env: Env, port: number): Promise<RunningProcess> {
  return spawnReadyApp(
    'sync-orchestrator',
    { ...env, SYNC_ORCHESTRATOR_PORT: String(port), HOST: '127.0.0.1' },
    port,
    20_000,
  );
}
