import { io } from 'socket.io-client';
import { FakeDiscogs, fakeItemIds, TestJwtIssuer, waitFor } from '@libs/testing';
import {
  envelope,
  MessageType,
  SYNC_EVENT,
  SYNC_NAMESPACE,
  type ErrorData,
  type FetchLike,
  type SessionStatus,
  type SyncClient,
} from '@libs/sync-client';
import type { Client } from 'pg';
import {
  clientOf,
  outcomeOf,
  startInProcess,
  startWatched,
  storedItems,
  syncEnv,
  testDb,
  testUser,
  type InProcessApp,
  type TestUser,
} from './sync-harness';

const collectionPage = (user: TestUser, page: number) =>
  `/users/${user.discogs.username}/collection/folders/0/releases?page=${page}&`;

describe('sync-orchestrator: failures, retries, cancels, disconnects and forged answers', () => {
  let issuer: TestJwtIssuer;
  let discogs: FakeDiscogs;
  let app: InProcessApp;
  let db: Client;
  const flaky = testUser(500);
  const broken = testUser(500);
  const slow = testUser(1_000);
  const roaming = testUser(600);
  const victim = testUser(300);
  const forger = testUser(10);

  beforeAll(async () => {
    issuer = await TestJwtIssuer.start();
    const users = [flaky, broken, slow, roaming, victim, forger].map((u) => u.discogs);
    discogs = await FakeDiscogs.start({ users, limit: 4, windowMs: 600 });
    app = await startInProcess(
      syncEnv(issuer, { SYNC_RATE_LIMIT: '4', SYNC_RATE_WINDOW_MS: '600', SYNC_MAX_RETRIES: '2' }),
    );
    db = await testDb();
  });

  afterAll(async () => {
    await app.close();
    await Promise.all([discogs.close(), issuer.close(), db.end()]);
  });

  /** A bare socket of `userId` and the first refusal the server sends it. */
  async function rawSocket(userId: string) {
    const socket = io(new URL(SYNC_NAMESPACE, app.url).href, {
      auth: { token: await issuer.sign(userId) },
      transports: ['websocket'],
      forceNew: true,
    });
    const refusal = new Promise<ErrorData>((resolve) =>
      socket.on(
        SYNC_EVENT,
        (m: { type: string; data: ErrorData }) => m.type === 'sync_error' && resolve(m.data),
      ),
    );
    return { socket, refusal };
  }

  /** Resolves once the client has seen `pages` pages completed. */
  const pagesDone = (client: SyncClient, pages: number) =>
    new Promise<void>((resolve) =>
      client.on('progress', (p) => p.completedPages >= pages && resolve()),
    );

  it('retries 5xx, 429 and invalid bodies with backoff and still stores every item once', async () => {
    discogs.fail({ status: 503, times: 2, pathIncludes: collectionPage(flaky, 2) });
    discogs.fail({ status: 429, times: 1, pathIncludes: collectionPage(flaky, 3) });
    discogs.fail({ status: 200, times: 1, pathIncludes: collectionPage(flaky, 4) });
    const client = await clientOf(app.url, issuer, discogs, flaky);
    const actions: string[] = [];
    client.on('progress', (p) => actions.push(p.currentAction));
    await client.connect();
    const { outcome } = await startWatched(client);
    expect(await outcome).toMatchObject({ processedItems: 500 });
    client.close();
    expect(discogs.count(503, flaky.discogs.username)).toBe(2);
    expect(discogs.count(429, flaky.discogs.username)).toBe(1);
    expect(actions.filter((a) => a.startsWith('Retrying page'))).toHaveLength(4);
    expect(await storedItems(db, flaky.userId, 'collection')).toEqual(
      fakeItemIds(flaky.discogs, 'releases'),
    );
  });

  it('fails a request that keeps failing after the maximum retries and reports it', async () => {
    discogs.fail({ status: 500, times: 1_000, pathIncludes: collectionPage(broken, 3) });
    const client = await clientOf(app.url, issuer, discogs, broken);
    const errors: ErrorData[] = [];
    client.on('error', (e) => errors.push(e));
    await client.connect();
    const { sessionId, outcome } = await startWatched(client);
    await expect(outcome).rejects.toThrow('1 of 6 requests failed');
    client.close();
    expect(discogs.count(500, broken.discogs.username)).toBe(3);
    expect(errors.map((e) => [e.code, e.fatal])).toEqual([
      ['request_failed', false],
      ['sync_failed', true],
    ]);
    expect(errors[0].message).toBe('page 3 failed: HTTP 500');
    const status = await client.api.status(sessionId);
    expect(status).toMatchObject({ status: 'failed', failedRequests: 1, processedItems: 400 });
    expect((await storedItems(db, broken.userId, 'collection')).length).toBe(400);
  });

  it('stops dispatching at once when a sync is cancelled', async () => {
    const client = await clientOf(app.url, issuer, discogs, slow);
    await client.connect();
    const pageSeen = pagesDone(client, 2);
    const { sessionId } = await client.api.startSync({});
    await pageSeen;
    const cancelled = await client.api.cancel(sessionId);
    let askedAfterCancel = 0;
    client.on('request', () => (askedAfterCancel += 1));
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    client.close();
    expect(cancelled.status).toBe('cancelled');
    expect(askedAfterCancel).toBe(0);
    expect((await client.api.status(sessionId)).status).toBe('cancelled');
    const { rows } = await db.query(
      `SELECT count(*)::int AS open FROM sync.discogs_api_requests
       WHERE session_id = $1 AND status IN ('pending', 'sent', 'retrying')`,
      [sessionId],
    );
    expect(rows[0].open).toBe(0);
  });

  it('pauses a sync when its client disconnects and resumes it when a client reconnects', async () => {
    const first = await clientOf(app.url, issuer, discogs, roaming);
    await first.connect();
    const pageSeen = pagesDone(first, 1);
    const { sessionId } = await first.api.startSync({});
    await pageSeen;
    first.close();
    let status: SessionStatus | undefined;
    await waitFor('the paused status', async () => {
      status = (await first.api.status(sessionId)).status;
      return status === 'paused';
    });
    const second = await clientOf(app.url, issuer, discogs, roaming);
    const outcome = outcomeOf(second, () => sessionId);
    await second.connect();
    expect(await outcome).toMatchObject({ processedItems: 600 });
    second.close();
    expect(await storedItems(db, roaming.userId, 'collection')).toEqual(
      fakeItemIds(roaming.discogs, 'releases'),
    );
  });

  it("rejects an answer sent for another user's request and lets the owner finish", async () => {
    // The victim's client holds its first request until the forger has tried to answer it.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const heldFetch: FetchLike = async (url, init) => {
      await held;
      return fetch(url, init);
    };
    const owner = await clientOf(app.url, issuer, discogs, victim, { discogsFetch: heldFetch });
    const firstRequest = new Promise<string>((resolve) =>
      owner.on('request', (r) => resolve(r.requestId)),
    );
    await owner.connect();
    const { sessionId, outcome } = await startWatched(owner);
    const requestId = await firstRequest;

    const { socket, refusal } = await rawSocket(forger.userId);
    const forged = { requestId, status: 200, headers: {}, body: '{"id":1,"username":"forger"}' };
    socket.emit(SYNC_EVENT, envelope('f-1', MessageType.ApiResponse, `sync:${sessionId}`, forged));
    expect(await refusal).toMatchObject({ code: 'response_rejected', requestId });
    socket.disconnect();

    release();
    expect(await outcome).toMatchObject({ processedItems: 300 });
    owner.close();
    const { rows } = await db.query(
      'SELECT discogs_username FROM sync.discogs_collection_syncs WHERE session_id = $1',
      [sessionId],
    );
    expect(rows[0].discogs_username).toBe(victim.discogs.username);
    expect(await storedItems(db, victim.userId, 'collection')).toEqual(
      fakeItemIds(victim.discogs, 'releases'),
    );
  });

  it('refuses a message that is not a valid answer envelope', async () => {
    const { socket, refusal } = await rawSocket(forger.userId);
    socket.emit(SYNC_EVENT, { type: 'sync_progress', data: {} });
    expect(await refusal).toMatchObject({ code: 'invalid_message', fatal: false });
    socket.disconnect();
  });
});
