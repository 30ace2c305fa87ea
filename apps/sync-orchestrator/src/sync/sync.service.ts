import { Injectable } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import type { StartSyncResponse, SyncStatusResponse } from '@libs/sync-client';
import type { StartSyncDto } from './dto/start-sync.dto';
import { SyncEngine } from './sync-engine.service';
import { SyncError, SyncErrorCode } from './sync.errors';
import { SyncMessenger } from './sync-messenger';
import { SyncSessionRepository, type SessionRow } from './sync-session.repository';

/** The REST side of the sync: start, look at and cancel a user's own sessions. */
@Injectable()
export class SyncService {
  constructor(
    private readonly sessions: SyncSessionRepository,
    private readonly engine: SyncEngine,
    private readonly messenger: SyncMessenger,
  ) {}

  /** Plans a new session; its requests go to the user's client once one is connected. */
  async start(userId: string, request: StartSyncDto): Promise<StartSyncResponse> {
    const syncType = request.syncType ?? 'collection';
    const row = await this.sessions.create({
      sessionId: uuidv7(),
      userId,
      syncType,
      fullSync: request.fullSync ?? false,
      pageLimit: request.pageLimit ?? null,
    });
    if (!row) {
      const [running] = await this.sessions.findActive(userId, syncType);
      throw new SyncError(SyncErrorCode.AlreadyRunning, `a ${syncType} sync is already running`, {
        details: [{ sessionId: running?.sessionId ?? null }],
      });
    }
    this.engine.announce({ kind: 'started', userId, sessionId: row.sessionId });
    return {
      sessionId: row.sessionId,
      status: row.status,
      message: `${syncType} sync started: your client connected to /sync executes its requests`,
    };
  }

  async status(userId: string, sessionId: string): Promise<SyncStatusResponse> {
    return toStatus(await this.owned(userId, sessionId), Date.now());
  }

  /** Stops a running session at once; its open requests are failed as cancelled. */
  async cancel(userId: string, sessionId: string): Promise<SyncStatusResponse> {
    const row = await this.sessions.cancel(sessionId, userId);
    if (!row) {
      const existing = await this.owned(userId, sessionId);
      throw new SyncError(SyncErrorCode.NotRunning, `sync ${sessionId} is ${existing.status}`);
    }
    this.engine.announce({ kind: 'cancelled', userId, sessionId });
    const status = toStatus(row, Date.now());
    this.messenger.toUser(userId, sessionId, 'sync_progress', {
      sessionId,
      syncType: row.syncType,
      status: 'cancelled',
      totalItems: row.totalItems,
      processedItems: row.processedItems,
      totalPages: row.totalPages,
      completedPages: Math.max(0, row.completedRequests - (row.discogsUsername ? 1 : 0)),
      failedRequests: row.failedRequests,
      percent: status.percent,
      estimatedCompletionAt: null,
      currentAction: 'Cancelled',
      resumeAt: null,
    });
    return status;
  }

  private async owned(userId: string, sessionId: string): Promise<SessionRow> {
    const row = await this.sessions.findOwned(sessionId, userId);
    // Another user's session reads exactly like a missing one.
    if (!row) throw new SyncError(SyncErrorCode.NotFound, `sync ${sessionId} not found`);
    return row;
  }
}

/** The status answer; the ETA extrapolates the rate observed since the session started. */
export function toStatus(row: SessionRow, now: number): SyncStatusResponse {
  const answered = row.completedRequests + row.failedRequests;
  let percent = 0;
  if (row.status === 'completed') percent = 100;
  else if (row.totalItems) percent = Math.min(100, (row.processedItems / row.totalItems) * 100);
  let eta: string | null = null;
  if (row.status === 'in_progress' && row.startedAt && row.totalPages !== null && answered > 0) {
    const elapsed = now - row.startedAt.getTime();
    const remaining = Math.max(0, row.totalRequests - answered);
    eta = new Date(now + (elapsed * remaining) / answered).toISOString();
  }
  return {
    sessionId: row.sessionId,
    syncType: row.syncType,
    status: row.status,
    fullSync: row.fullSync,
    totalItems: row.totalItems,
    processedItems: row.processedItems,
    totalPages: row.totalPages,
    completedRequests: row.completedRequests,
    failedRequests: row.failedRequests,
    percent: Math.floor(percent * 10) / 10,
    startedAt: row.startedAt?.toISOString() ?? null,
    completedAt: row.completedAt?.toISOString() ?? null,
    estimatedCompletionAt: eta,
    error: row.error,
  };
}
