import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { dataSourceOptions } from '@libs/database';
import { testDatabaseUrl } from '@libs/testing';
import type { DiscogsPage } from '../discogs/discogs-page.parser';
import { DiscogsItemRepository } from './discogs-item.repository';
import { SyncRequestRepository, type PlannedRequest } from './sync-request.repository';
import { SyncSessionRepository } from './sync-session.repository';

const ok = { status: 200, headers: { 'x-discogs-ratelimit-remaining': '55' } };
const planned = (purpose: PlannedRequest['purpose'], page: number): PlannedRequest => ({
  requestId: uuidv7(),
  purpose,
  page,
  url: `https://api.discogs.com/x?page=${page}`,
  retries: 0,
});
const page = (n: number, ids: number[]): DiscogsPage => ({
  page: n,
  pages: 2,
  totalItems: 150,
  items: ids.map((id) => ({
    instanceId: id,
    releaseId: id + 1,
    folderId: 1,
    rating: null,
    dateAdded: '2024-01-01T00:00:00Z',
    basicInformation: { title: `t${id}` },
    notes: null,
  })),
});

describe('sync repositories (PostgreSQL)', () => {
  let dataSource: DataSource;
  let sessions: SyncSessionRepository;
  let requests: SyncRequestRepository;

  beforeAll(async () => {
    dataSource = new DataSource(dataSourceOptions({ url: testDatabaseUrl(), poolSize: 2 }));
    await dataSource.initialize();
    sessions = new SyncSessionRepository(dataSource);
    requests = new SyncRequestRepository(dataSource, new DiscogsItemRepository(dataSource));
  });

  afterAll(() => dataSource.destroy());

  async function newSession() {
    const row = await sessions.create({
      sessionId: randomUUID(),
      userId: `user-${randomUUID()}`,
      syncType: 'collection',
      fullSync: false,
      pageLimit: null,
    });
    return row!;
  }

  const counters = async (sessionId: string) =>
    (
      await dataSource.query(
        `SELECT processed_items, completed_requests, failed_requests, total_requests, total_pages
         FROM sync.discogs_collection_syncs WHERE session_id = $1`,
        [sessionId],
      )
    )[0];

  it('allows one running session per user and type', async () => {
    const first = await newSession();
    const again = await sessions.create({ ...first, sessionId: randomUUID() });
    expect(again).toBeUndefined();
    const wantlist = await sessions.create({
      ...first,
      sessionId: randomUUID(),
      syncType: 'wantlist',
    });
    expect(wantlist?.status).toBe('initiated');
  });

  it('stores each page exactly once, however often its answer arrives', async () => {
    const session = await newSession();
    const identity = planned('identity', 0);
    expect(await requests.plan(session.sessionId, [identity], {})).toBe(1);
    expect(await requests.plan(session.sessionId, [{ ...identity, requestId: uuidv7() }], {})).toBe(
      0,
    );
    const first = planned('page', 1);
    expect(
      await requests.completeIdentity(identity.requestId, session.sessionId, 'bob', ok, first, {}),
    ).toBe(true);
    expect(
      await requests.completeIdentity(identity.requestId, session.sessionId, 'eve', ok, first, {}),
    ).toBe(false);

    const plan = { totalPages: 2, totalItems: 150 };
    expect(await requests.dispatch(session.sessionId, first, {})).toBe(first.requestId);
    const totals = await requests.completePage(
      first.requestId,
      session,
      page(1, [1, 2, 3]),
      ok,
      plan,
    );
    expect(totals).toEqual({ processedItems: 3, completedRequests: 2 });
    expect(
      await requests.completePage(first.requestId, session, page(1, [1, 2, 3]), ok, plan),
    ).toBeUndefined();
    expect(
      await requests.dispatch(session.sessionId, { ...first, requestId: uuidv7() }, {}),
    ).toBeUndefined();
    expect(await requests.open(session.sessionId)).toEqual({ open: [], lastPlannedPage: 1 });

    // Page 2 gets its row when first dispatched; a later dispatch reuses that row's id.
    const second = planned('page', 2);
    expect(await requests.dispatch(session.sessionId, second, {})).toBe(second.requestId);
    expect(await requests.dispatch(session.sessionId, { ...second, requestId: uuidv7() }, {})).toBe(
      second.requestId,
    );
    await requests.completePage(second.requestId, session, page(2, [3, 4]), ok);
    expect(await counters(session.sessionId)).toEqual({
      processed_items: 5,
      completed_requests: 3,
      failed_requests: 0,
      total_requests: 3,
      total_pages: 2,
    });
    const items = await dataSource.query(
      'SELECT instance_id FROM sync.discogs_items WHERE user_id = $1 ORDER BY instance_id',
      [session.userId],
    );
    expect(items.map((i: { instance_id: string }) => Number(i.instance_id))).toEqual([1, 2, 3, 4]);
    const [{ discogs_username }] = await dataSource.query(
      'SELECT discogs_username FROM sync.discogs_collection_syncs WHERE session_id = $1',
      [session.sessionId],
    );
    expect(discogs_username).toBe('bob');
  });

  it('never sends or completes a request of a cancelled session', async () => {
    const session = await newSession();
    const identity = planned('identity', 0);
    await requests.plan(session.sessionId, [identity], {});
    expect(await sessions.cancel(session.sessionId, 'someone-else')).toBeUndefined();
    expect((await sessions.cancel(session.sessionId, session.userId))?.status).toBe('cancelled');
    expect(await requests.dispatch(session.sessionId, identity, {})).toBeUndefined();
    expect(await requests.dispatch(session.sessionId, planned('page', 1), {})).toBeUndefined();
    expect(await requests.fail(identity.requestId, { status: 500, headers: {} })).toBe(false);
    expect((await requests.open(session.sessionId)).open).toEqual([]);
  });

  it('counts a failed request once and remembers recent sends for pacing', async () => {
    const session = await newSession();
    const identity = planned('identity', 0);
    await requests.plan(session.sessionId, [identity], {});
    expect(await requests.dispatch(session.sessionId, identity, {})).toBe(identity.requestId);
    const [pending] = await requests.recentSends(session.userId, 60_000, 90_000);
    expect(Math.abs(pending.getTime() - Date.now())).toBeLessThan(5_000);
    await requests.markRetrying(identity.requestId, 1, { status: 503, headers: {} });
    expect(await requests.open(session.sessionId)).toEqual({
      open: [expect.objectContaining({ purpose: 'identity', retries: 1 })],
      lastPlannedPage: 0,
    });
    expect(await requests.fail(identity.requestId, { status: 503, headers: {} })).toBe(true);
    expect(await requests.fail(identity.requestId, { status: 503, headers: {} })).toBe(false);
    expect((await counters(session.sessionId)).failed_requests).toBe(1);
    expect(await requests.recentSends(session.userId, 60_000, 90_000)).toHaveLength(1);
    expect(await requests.recentSends(session.userId, 1, 1)).toHaveLength(0);
  });
});
