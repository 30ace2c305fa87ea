import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { SyncType } from '@libs/sync-client';
import type { DiscogsPage } from '../discogs/discogs-page.parser';
import { ACTIVE_STATUSES, OPEN_REQUEST_STATUSES, rows, type Db } from './sql';
import { DiscogsItemRepository } from './discogs-item.repository';

/** A planned Discogs request. `page` is 0 for the identity request. */
export interface PlannedRequest {
  requestId: string;
  purpose: 'identity' | 'page';
  page: number;
  url: string;
  retries: number;
}

/** What a client reported for a request (headers already reduced to the safe ones). */
export interface RequestOutcome {
  status: number;
  headers: Record<string, string>;
  error?: string;
}

/** Session counters after a completed page. */
export interface PageTotals {
  processedItems: number;
  completedRequests: number;
}

const TABLE = 'sync.discogs_api_requests';
const SESSIONS = 'sync.discogs_collection_syncs';

/** Queries of the requests a session plans, sends and completes. */
@Injectable()
export class SyncRequestRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly items: DiscogsItemRepository,
  ) {}

  /** Adds requests not planned yet (idempotent by session, purpose and page); answers how many. */
  async plan(
    sessionId: string,
    planned: readonly PlannedRequest[],
    headers: Record<string, string>,
    db: Db = this.dataSource,
  ): Promise<number> {
    if (planned.length === 0) return 0;
    // One statement: the session's count includes the rows this very statement inserts.
    const [result] = await rows<{ inserted: number }>(
      db,
      `WITH inserted AS (
         INSERT INTO ${TABLE} (request_id, session_id, purpose, page, url, headers, status)
         SELECT r.id, $1, r.purpose, r.page, r.url, $6::jsonb, 'pending'
         FROM unnest($2::uuid[], $3::text[], $4::int[], $5::text[]) AS r(id, purpose, page, url)
         ON CONFLICT (session_id, purpose, page) DO NOTHING RETURNING 1
       ), counted AS (
         UPDATE ${SESSIONS} SET updated_at = now(), total_requests = GREATEST(total_requests,
           (SELECT count(*) FROM ${TABLE} WHERE session_id = $1) + (SELECT count(*) FROM inserted))
         WHERE session_id = $1
       )
       SELECT count(*)::int AS inserted FROM inserted`,
      [
        sessionId,
        planned.map((p) => p.requestId),
        planned.map((p) => p.purpose),
        planned.map((p) => p.page),
        planned.map((p) => p.url),
        JSON.stringify(headers),
      ],
    );
    return result.inserted;
  }

  /**
   * Requests of a session still waiting for an answer, in page order, and the highest page
   * that has a row (pages above it were never dispatched).
   */
  async open(sessionId: string): Promise<{ open: PlannedRequest[]; lastPlannedPage: number }> {
    const found = await rows<Partial<PlannedRequest> & { lastPage: number | null }>(
      this.dataSource,
      `SELECT m.last AS "lastPage", r.request_id AS "requestId", r.purpose, r.page, r.url,
         r.retry_count AS "retries"
       FROM (SELECT max(page) AS last FROM ${TABLE} WHERE session_id = $1 AND purpose = 'page') m
       LEFT JOIN ${TABLE} r ON r.session_id = $1 AND r.status IN ${OPEN_REQUEST_STATUSES}
       ORDER BY r.purpose, r.page`,
      [sessionId],
    );
    const open = found.filter(
      (r): r is PlannedRequest & { lastPage: number | null } => !!r.requestId,
    );
    return {
      open: open.map(({ requestId, purpose, page, url, retries }) => ({
        requestId,
        purpose,
        page,
        url,
        retries,
      })),
      lastPlannedPage: found[0]?.lastPage ?? 0,
    };
  }

  /**
   * Records a request as sent (creating its row for a page dispatched for the first time).
   * The share lock on the session makes a concurrent cancel either wait for this row (and
   * fail it) or be seen (and no row is written).
   * Answers the id the request goes out under — that of an existing open row for the same page
   * if there is one — or undefined when it must not go out: its session is no longer running
   * (cancelled, perhaps on another pod) or the page was answered already.
   */
  async dispatch(sessionId: string, request: PlannedRequest, headers: Record<string, string>) {
    const [row] = await rows<{ requestId: string }>(
      this.dataSource,
      `INSERT INTO ${TABLE} AS r (request_id, session_id, purpose, page, url, headers, status,
         retry_count, sent_at)
       SELECT $2, s.session_id, $3, $4, $5, $6::jsonb, 'sent', $7, now()
       FROM ${SESSIONS} s WHERE s.session_id = $1 AND s.status IN ${ACTIVE_STATUSES}
       FOR SHARE OF s
       ON CONFLICT (session_id, purpose, page) DO UPDATE SET status = 'sent', sent_at = now(),
         retry_count = EXCLUDED.retry_count, updated_at = now()
       WHERE r.status IN ${OPEN_REQUEST_STATUSES}
       RETURNING r.request_id AS "requestId"`,
      [
        sessionId,
        request.requestId,
        request.purpose,
        request.page,
        request.url,
        JSON.stringify(headers),
        request.retries,
      ],
    );
    return row?.requestId;
  }

  async markRetrying(requestId: string, retries: number, outcome: RequestOutcome): Promise<void> {
    await this.dataSource.query(
      `UPDATE ${TABLE} SET status = 'retrying', retry_count = $2, response_status = $3,
         response_headers = $4::jsonb, error = $5, responded_at = now(), updated_at = now()
       WHERE request_id = $1 AND status IN ${OPEN_REQUEST_STATUSES}`,
      [
        requestId,
        retries,
        outcome.status || null,
        JSON.stringify(outcome.headers),
        outcome.error ?? null,
      ],
    );
  }

  /** Fails a request for good and counts it on its session; false when it was not open. */
  async fail(requestId: string, outcome: RequestOutcome): Promise<boolean> {
    return this.dataSource.transaction(async (db) => {
      const [row] = await this.close(db, requestId, 'failed', outcome);
      if (!row) return false;
      await db.query(
        `UPDATE ${SESSIONS} SET failed_requests = failed_requests + 1, updated_at = now()
         WHERE session_id = $1`,
        [row.sessionId],
      );
      return true;
    });
  }

  /** Completes the identity request and plans page 1; false when it was not open. */
  async completeIdentity(
    requestId: string,
    sessionId: string,
    username: string,
    outcome: RequestOutcome,
    firstPage: PlannedRequest,
    headers: Record<string, string>,
  ): Promise<boolean> {
    return this.dataSource.transaction(async (db) => {
      const [row] = await this.close(db, requestId, 'completed', outcome);
      if (!row) return false;
      await db.query(
        `UPDATE ${SESSIONS} SET discogs_username = $2, completed_requests = completed_requests + 1
         WHERE session_id = $1`,
        [sessionId, username],
      );
      await this.plan(sessionId, [firstPage], headers, db);
      return true;
    });
  }

  /**
   * Stores a page's items and completes its request in one transaction, recording the totals
   * page 1 revealed when given. Undefined when the request was not open (a duplicate answer).
   */
  async completePage(
    requestId: string,
    session: { sessionId: string; userId: string; syncType: SyncType },
    page: DiscogsPage,
    outcome: RequestOutcome,
    totals?: { totalPages: number; totalItems: number },
  ): Promise<PageTotals | undefined> {
    return this.dataSource.transaction(async (db) => {
      const [row] = await this.close(db, requestId, 'completed', outcome);
      if (!row) return undefined;
      await this.items.upsert(db, session, page.items);
      const [after] = await rows<PageTotals>(
        db,
        `UPDATE ${SESSIONS} SET processed_items = processed_items + $2,
           completed_requests = completed_requests + 1,
           last_page = GREATEST(COALESCE(last_page, 0), $3),
           total_pages = COALESCE($4, total_pages), total_items = COALESCE($5, total_items),
           total_requests = COALESCE($4 + 1, total_requests), updated_at = now()
         WHERE session_id = $1
         RETURNING processed_items AS "processedItems", completed_requests AS "completedRequests"`,
        [
          session.sessionId,
          page.items.length,
          page.page,
          totals?.totalPages ?? null,
          totals?.totalItems ?? null,
        ],
      );
      return after;
    });
  }

  /**
   * When each request of the user that may still count in Discogs' window was answered (now,
   * for one sent and not answered within `staleMs`): what a pod taking over a user seeds its
   * rate window with. Only running or just-finished sessions can hold such requests.
   */
  async recentSends(userId: string, windowMs: number, staleMs: number): Promise<Date[]> {
    const found = await rows<{ at: Date }>(
      this.dataSource,
      `SELECT CASE WHEN r.status = 'sent' THEN now() ELSE r.responded_at END AS at
       FROM ${SESSIONS} s JOIN ${TABLE} r ON r.session_id = s.session_id
       WHERE s.user_id = $1
         AND (s.status IN ${ACTIVE_STATUSES} OR s.completed_at > now() - $2 * interval '1 ms')
         AND ((r.status = 'sent' AND r.sent_at > now() - $3 * interval '1 ms')
           OR (r.status <> 'sent' AND r.responded_at > now() - $2 * interval '1 ms'))`,
      [userId, windowMs, staleMs],
    );
    return found.map((f) => f.at);
  }

  /**
   * Completes or fails an open request of a running session. Locks the session row first, as
   * every writer of a session's requests does (cancel, dispatch), so they never deadlock.
   */
  private async close(
    db: Db,
    requestId: string,
    status: 'completed' | 'failed',
    outcome: RequestOutcome,
  ): Promise<{ sessionId: string }[]> {
    const locked = await rows(
      db,
      `UPDATE ${SESSIONS} s SET updated_at = now() FROM ${TABLE} r
       WHERE r.request_id = $1 AND r.status IN ${OPEN_REQUEST_STATUSES}
         AND s.session_id = r.session_id AND s.status IN ${ACTIVE_STATUSES}
       RETURNING s.session_id`,
      [requestId],
    );
    if (locked.length === 0) return [];
    return rows<{ sessionId: string }>(
      db,
      `UPDATE ${TABLE} SET status = $2, response_status = $3, response_headers = $4::jsonb,
         error = $5, responded_at = now(), updated_at = now()
       WHERE request_id = $1 AND status IN ${OPEN_REQUEST_STATUSES}
       RETURNING session_id AS "sessionId"`,
      [
        requestId,
        status,
        outcome.status || null,
        JSON.stringify(outcome.headers),
        outcome.error ?? null,
      ],
    );
  }
}
