import {
  FakeDiscogs,
  fakeItemIds,
  freePort,
  TestJwtIssuer,
  type RunningProcess,
} from '@libs/testing';
import type { Client } from 'pg';
import {
  clientOf,
  spawnOrchestrator,
  startWatched,
  storedItems,
  syncEnv,
  testDb,
  testUser,
} from './sync-harness';

describe('sync-orchestrator killed mid-sync', () => {
  let issuer: TestJwtIssuer;
  let discogs: FakeDiscogs;
  let db: Client;
  const processes: RunningProcess[] = [];
  const user = testUser(2_000);

  beforeAll(async () => {
    issuer = await TestJwtIssuer.start();
    discogs = await FakeDiscogs.start({ users: [user.discogs], limit: 4, windowMs: 1_000 });
    db = await testDb();
  });

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop('SIGKILL')));
    await Promise.all([discogs.close(), issuer.close(), db.end()]);
  });

  it('resumes the session after a SIGKILL and a restart, with every item exactly once', async () => {
    const port = await freePort();
    // One environment for both incarnations: same database, same Redis prefix, same port.
    const env = syncEnv(issuer, { SYNC_RATE_LIMIT: '4', SYNC_RATE_WINDOW_MS: '1000' });
    const first = await spawnOrchestrator(env, port);
    processes.push(first);
    const client = await clientOf(`http://127.0.0.1:${port}`, issuer, discogs, user);
    let connects = 0;
    client.on('connect', () => (connects += 1));
    const fivePages = new Promise<void>((resolve) =>
      client.on('progress', (p) => p.completedPages >= 5 && resolve()),
    );
    await client.connect();
    const { sessionId, outcome } = await startWatched(client);
    await fivePages;

    expect(await first.stop('SIGKILL')).toBeNull();
    const { rows } = await db.query(
      'SELECT status, processed_items FROM sync.discogs_collection_syncs WHERE session_id = $1',
      [sessionId],
    );
    expect(rows[0].status).toBe('in_progress');
    expect(rows[0].processed_items).toBeLessThan(2_000);

    processes.push(await spawnOrchestrator(env, port));
    const done = await outcome;
    client.close();
    expect(connects).toBeGreaterThanOrEqual(2);
    expect(done).toMatchObject({ sessionId, processedItems: 2_000 });
    expect(await storedItems(db, user.userId, 'collection')).toEqual(
      fakeItemIds(user.discogs, 'releases'),
    );
    expect(discogs.count(429)).toBe(0);
  }, 60_000);
});
