import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { SessionStatus, SyncType } from '@libs/sync-client';
import { ACTIVE_STATUSES, isUniqueViolation, OPEN_REQUEST_STATUSES, rows, type Db } from './sql';

/** A row of `sync.discogs_collection_syncs`. */
export interface SessionRow {
  sessionId: string;
  userId: string;
  syncType: SyncType;
  status: SessionStatus;
  fullSync: boolean;
  pageLimit: number | null;
  discogsUsername: string | null;
  totalItems: number | null;
  processedItems: number;
  totalRequests: number;
  completedRequests: number;
  failedRequests: number;
  lastPage: number | null;
  totalPages: number | null;
  startedAt: Date | null;
  completedAt: Date | null;
  error: string | null;
  createdAt: Date;
}

const TABLE = 'sync.discogs_collection_syncs';
const COLUMNS = `session_id AS "sessionId", user_id AS "userId", sync_type AS "syncType", status,
  full_sync AS "fullSync", page_limit AS "pageLimit", discogs_username AS "discogsUsername",
  total_items AS "totalItems", processed_items AS "processedItems",
  total_requests AS "totalRequests", completed_requests AS "completedRequests",
  failed_requests AS "failedRequests", last_page AS "lastPage", total_pages AS "totalPages",
  started_at AS "startedAt", completed_at AS "completedAt", error, created_at AS "createdAt"`;

/** Queries of sync sessions. Every lookup a user makes is scoped to that user. */
@Injectable()
export class SyncSessionRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Inserts an `initiated` session; undefined when one of this type is already running. */
  async create(
    session: Pick<SessionRow, 'sessionId' | 'userId' | 'syncType' | 'fullSync' | 'pageLimit'>,
  ): Promise<SessionRow | undefined> {
    try {
      const [row] = await rows<SessionRow>(
        this.dataSource,
        `INSERT INTO ${TABLE} (session_id, user_id, sync_type, status, full_sync, page_limit)
         VALUES ($1, $2, $3, 'initiated', $4, $5) RETURNING ${COLUMNS}`,
        [session.sessionId, session.userId, session.syncType, session.fullSync, session.pageLimit],
      );
      return row;
    } catch (error) {
      if (isUniqueViolation(error)) return undefined;
      throw error;
    }
  }

  async findOwned(sessionId: string, userId: string): Promise<SessionRow | undefined> {
    const [row] = await rows<SessionRow>(
      this.dataSource,
      `SELECT ${COLUMNS} FROM ${TABLE} WHERE session_id = $1 AND user_id = $2`,
      [sessionId, userId],
    );
    return row;
  }

  async findActive(userId: string, syncType?: SyncType): Promise<SessionRow[]> {
    return rows<SessionRow>(
      this.dataSource,
      `SELECT ${COLUMNS} FROM ${TABLE}
       WHERE user_id = $1 AND status IN ${ACTIVE_STATUSES} AND ($2::text IS NULL OR sync_type = $2)
       ORDER BY created_at`,
      [userId, syncType ?? null],
    );
  }

  /** Sessions a pod now drives: `in_progress`, started now unless they started before. */
  async markRunning(sessionIds: readonly string[]): Promise<void> {
    if (sessionIds.length === 0) return;
    await this.dataSource.query(
      `UPDATE ${TABLE} SET status = 'in_progress', started_at = COALESCE(started_at, now()),
         updated_at = now()
       WHERE session_id = ANY($1::uuid[]) AND status IN ('initiated', 'paused')`,
      [sessionIds],
    );
  }

  /** Sessions whose client went away. */
  async markPaused(sessionIds: readonly string[]): Promise<void> {
    if (sessionIds.length === 0) return;
    await this.dataSource.query(
      `UPDATE ${TABLE} SET status = 'paused', updated_at = now()
       WHERE session_id = ANY($1::uuid[]) AND status = 'in_progress'`,
      [sessionIds],
    );
  }

  /** Ends a running session; false when it had already ended (cancelled meanwhile). */
  async finish(
    sessionId: string,
    status: 'completed' | 'failed',
    error: string | null,
    db: Db = this.dataSource,
  ): Promise<boolean> {
    const done = await rows(
      db,
      `UPDATE ${TABLE} SET status = $2, error = $3, completed_at = now(), updated_at = now()
       WHERE session_id = $1 AND status IN ${ACTIVE_STATUSES} RETURNING session_id`,
      [sessionId, status, error],
    );
    if (done.length > 0) await this.closeOpenRequests(db, sessionId, error ?? status);
    return done.length > 0;
  }

  /** Cancels a user's running session and its open requests; undefined when none matched. */
  async cancel(sessionId: string, userId: string): Promise<SessionRow | undefined> {
    return this.dataSource.transaction(async (db) => {
      const [row] = await rows<SessionRow>(
        db,
        `UPDATE ${TABLE} SET status = 'cancelled', completed_at = now(), updated_at = now()
         WHERE session_id = $1 AND user_id = $2 AND status IN ${ACTIVE_STATUSES}
         RETURNING ${COLUMNS}`,
        [sessionId, userId],
      );
      if (row) await this.closeOpenRequests(db, sessionId, 'cancelled');
      return row;
    });
  }

  /** Records the rate-limit state Discogs last reported for a user. */
  async recordRateLimit(
    userId: string,
    limit: number,
    used: number,
    resetsAt: number | undefined,
  ): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO sync.discogs_rate_limits (user_id, rate_limit, remaining, used, window_resets_at)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (user_id) DO UPDATE SET rate_limit = EXCLUDED.rate_limit,
         remaining = EXCLUDED.remaining, used = EXCLUDED.used,
         window_resets_at = EXCLUDED.window_resets_at, updated_at = now()`,
      [userId, limit, Math.max(0, limit - used), used, resetsAt ? new Date(resetsAt) : null],
    );
  }

  private async closeOpenRequests(db: Db, sessionId: string, reason: string): Promise<void> {
    await db.query(
      `UPDATE sync.discogs_api_requests SET status = 'failed', error = $2, updated_at = now()
       WHERE session_id = $1 AND status IN ${OPEN_REQUEST_STATUSES}`,
      [sessionId, reason],
    );
  }
}
