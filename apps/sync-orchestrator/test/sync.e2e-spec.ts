import { randomUUID } from 'node:crypto';
import { io } from 'socket.io-client';
import { FakeDiscogs, fakeItemIds, TestJwtIssuer } from '@libs/testing';
import { SyncApiError, SyncClient } from '@libs/sync-client';
import type { Client } from 'pg';
import {
  clientOf,
  startInProcess,
  startWatched,
  storedItems,
  syncEnv,
  testDb,
  testUser,
  type InProcessApp,
  type TestUser,
} from './sync-harness';

describe('sync-orchestrator: syncs through the client SDK', () => {
  let issuer: TestJwtIssuer;
  let discogs: FakeDiscogs;
  let app: InProcessApp;
  let db: Client;
  const alice = testUser(250, 120);
  const bob = testUser(250);
  const carol = testUser(250);

  beforeAll(async () => {
    issuer = await TestJwtIssuer.start();
    const users = [alice, bob, carol].map((u) => u.discogs);
    discogs = await FakeDiscogs.start({ users, limit: 10, windowMs: 1_000 });
    app = await startInProcess(syncEnv(issuer));
    db = await testDb();
  });

  afterAll(async () => {
    await app.close();
    await Promise.all([discogs.close(), issuer.close(), db.end()]);
  });

  async function sync(user: TestUser, request: Parameters<SyncClient['api']['startSync']>[0]) {
    const client = await clientOf(app.url, issuer, discogs, user);
    const percents: number[] = [];
    client.on('progress', (p) => percents.push(p.percent));
    await client.connect();
    const { sessionId, outcome } = await startWatched(client, request);
    const done = await outcome;
    const status = await client.api.status(sessionId);
    client.close();
    return { done, status, percents };
  }

  it('syncs a collection: every item once, progress up to 100 %', async () => {
    const { done, status, percents } = await sync(alice, { syncType: 'collection' });
    expect(done).toMatchObject({ processedItems: 250, totalItems: 250 });
    expect(await storedItems(db, alice.userId, 'collection')).toEqual(
      fakeItemIds(alice.discogs, 'releases'),
    );
    expect(percents.at(-1)).toBe(100);
    expect(status).toMatchObject({
      status: 'completed',
      percent: 100,
      totalPages: 3,
      completedRequests: 4,
      failedRequests: 0,
    });
    const { rows } = await db.query(
      `SELECT status, count(*)::int AS n FROM sync.discogs_api_requests
       WHERE session_id = $1 GROUP BY status`,
      [status.sessionId],
    );
    expect(rows).toEqual([{ status: 'completed', n: 4 }]);
    const limits = await db.query(
      'SELECT rate_limit, used, remaining FROM sync.discogs_rate_limits WHERE user_id = $1',
      [alice.userId],
    );
    expect(limits.rows).toEqual([
      { rate_limit: 10, used: expect.any(Number), remaining: expect.any(Number) },
    ]);
    expect(limits.rows[0].used + limits.rows[0].remaining).toBe(10);
  });

  it('syncs a wantlist beside the collection', async () => {
    const { done } = await sync(alice, { syncType: 'wantlist' });
    expect(done.processedItems).toBe(120);
    expect(await storedItems(db, alice.userId, 'wantlist')).toEqual(
      fakeItemIds(alice.discogs, 'wants'),
    );
  });

  it('fetches only the newest pages with a page limit', async () => {
    const { done, status } = await sync(bob, { pageLimit: 2 });
    expect(done).toMatchObject({ processedItems: 200, totalItems: 200 });
    expect(status).toMatchObject({ totalPages: 2, completedRequests: 3 });
  });

  it('removes items no longer on Discogs with a full sync, and keeps them otherwise', async () => {
    const stale = async () => {
      await db.query(
        `INSERT INTO sync.discogs_items (user_id, sync_type, instance_id, release_id,
           basic_information, last_session_id) VALUES ($1, 'collection', 1, 1, '{}', $2)
         ON CONFLICT DO NOTHING`,
        [carol.userId, randomUUID()],
      );
    };
    await stale();
    await sync(carol, {});
    expect(await storedItems(db, carol.userId, 'collection')).toContain(1);
    await sync(carol, { fullSync: true });
    expect(await storedItems(db, carol.userId, 'collection')).toEqual(
      fakeItemIds(carol.discogs, 'releases'),
    );
  });

  it('refuses a second running sync of the same type, naming the running one', async () => {
    const dave = testUser(100);
    const client = await clientOf(app.url, issuer, discogs, dave);
    const first = await client.api.startSync({});
    const second = client.api.startSync({ syncType: 'collection' });
    await expect(second).rejects.toMatchObject({
      status: 409,
      code: 'sync_already_running',
      details: [{ sessionId: first.sessionId }],
    });
    expect(first.status).toBe('initiated');
    await client.api.cancel(first.sessionId);
    expect((await client.api.status(first.sessionId)).status).toBe('cancelled');
  });

  it('validates the start request', async () => {
    const client = await clientOf(app.url, issuer, discogs, testUser(1));
    const bad = [{ syncType: 'everything' }, { pageLimit: 0 }, { fullSync: 'yes' }, { extra: 1 }];
    for (const body of bad) {
      await expect(client.api.startSync(body as never)).rejects.toMatchObject({ status: 400 });
    }
  });

  it('starts a collection sync without a body', async () => {
    const user = testUser(1);
    const res = await fetch(`${app.url}/api/discogs/syncCollection`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await issuer.sign(user.userId)}` },
    });
    expect(res.status).toBe(202);
    const { sessionId } = (await res.json()) as { sessionId: string };
    const client = await clientOf(app.url, issuer, discogs, user);
    expect(await client.api.cancel(sessionId)).toMatchObject({
      syncType: 'collection',
      fullSync: false,
      status: 'cancelled',
    });
  });

  it('shows users only their own sessions', async () => {
    const owner = await clientOf(app.url, issuer, discogs, testUser(1));
    const other = await clientOf(app.url, issuer, discogs, testUser(1));
    const { sessionId } = await owner.api.startSync({});
    for (const call of [other.api.status(sessionId), other.api.cancel(sessionId)]) {
      await expect(call).rejects.toMatchObject({ status: 404, code: 'sync_not_found' });
    }
    await expect(owner.api.status('not-a-uuid')).rejects.toMatchObject({ status: 404 });
    expect((await owner.api.cancel(sessionId)).status).toBe('cancelled');
    await expect(owner.api.cancel(sessionId)).rejects.toMatchObject({ status: 409 });
  });

  it.each([
    ['no token', async () => undefined],
    ['a token of another issuer', () => issuer.sign('u', { issuer: 'http://evil.example' })],
    ['a token signed by an unknown key', () => issuer.sign('u', { foreignKey: true })],
    ['an expired token', () => issuer.sign('u', { expiresIn: -60 })],
    ['an ID token (typ JWT)', () => issuer.sign('u', { typ: 'JWT' })],
  ])('answers 401 to REST calls with %s', async (_what, token) => {
    const bearer = await token();
    const res = await fetch(`${app.url}/api/discogs/syncCollection`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
      },
      body: '{}',
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { code: 'unauthorized' } });
  });

  it('refuses a socket without a valid access token', async () => {
    const client = new SyncClient({
      serverUrl: app.url,
      accessToken: await issuer.sign('u', { foreignKey: true }),
      discogsToken: 'x',
      io,
      transports: ['websocket'],
    });
    await expect(client.connect()).rejects.toThrow('unauthorized');
    client.close();
  });

  it('stores the Discogs token through the token store and says whether it looks valid', async () => {
    const user = testUser(1);
    const client = await clientOf(app.url, issuer, discogs, user);
    const token = 'a'.repeat(40);
    expect(await client.api.putDiscogsToken(token)).toEqual({ stored: true, looksValid: true });
    expect(app.tokens.tokens.get(user.userId)).toBe(token);
    expect(await client.api.putDiscogsToken('short-one')).toEqual({
      stored: true,
      looksValid: false,
    });
    await expect(client.api.putDiscogsToken('has spaces')).rejects.toBeInstanceOf(SyncApiError);
  });

  it('serves the web page with a strict content security policy', async () => {
    const redirect = await fetch(`${app.url}/sync`, { redirect: 'manual' });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe('/sync/');
    const page = await fetch(`${app.url}/sync/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('Discogs sync');
    for (const asset of ['sync-page.js', 'lib/index.js', 'vendor/socket.io.esm.min.js']) {
      const res = await fetch(`${app.url}/sync/${asset}`);
      expect([asset, res.status, res.headers.get('content-type')]).toEqual([
        asset,
        200,
        'text/javascript; charset=utf-8',
      ]);
    }
    expect((await fetch(`${app.url}/sync/..%2Fpackage.json`)).status).toBe(404);
    expect(await (await fetch(`${app.url}/sync/config.json`)).json()).toEqual({
      demoDiscogsBaseUrl: null,
    });
  });
});
