import type { ProgressData, SessionStatus, SyncType } from '@libs/sync-client';
import type { WindowSlot } from '../pacing/rate-window';
import type { PlannedRequest } from './sync-request.repository';
import type { SessionRow } from './sync-session.repository';

/** A planned request waiting in a session's queue. */
export interface QueuedRequest extends PlannedRequest {
  /** Not before this time (retries back off). */
  notBefore: number;
}

/** A request sent to a client and not answered yet. */
export interface InFlightRequest extends QueuedRequest {
  slot: WindowSlot;
  sentAt: number;
  socketId: string;
  timer: NodeJS.Timeout;
}

/** A planned request as a queue entry due at `notBefore`. */
export function toQueued(request: PlannedRequest, notBefore: number): QueuedRequest {
  const { requestId, purpose, page, url, retries } = request;
  return { requestId, purpose, page, url, retries, notBefore };
}

/** What the progress line says besides the counters. */
export interface ProgressNote {
  action: string;
  resumeAt?: number;
}

/**
 * One running session in the memory of the pod that drives its user: its queue, what is in
 * flight, and the counters the progress messages need. The database stays the source of truth.
 */
export class SessionState {
  readonly sessionId: string;
  readonly userId: string;
  readonly syncType: SyncType;
  readonly fullSync: boolean;
  readonly pageLimit: number | null;
  username: string | null;
  totalItems: number | null;
  totalPages: number | null;
  processedItems: number;
  completedRequests: number;
  failedRequests: number;
  /**
   * The first page never dispatched. Pages from here to `totalPages` exist only as this number
   * (rows are written when they are dispatched), so a session costs the same memory whatever
   * the size of the collection.
   */
  nextPage: number;
  readonly queue: QueuedRequest[] = [];
  readonly inFlight = new Map<string, InFlightRequest>();
  /** Answers being stored right now: the session cannot finish before they are. */
  processing = 0;
  finishing = false;
  /** Answers handled since this pod took the session over, for the observed rate. */
  answeredHere = 0;
  readonly loadedAt: number;
  readonly startedAt: number;

  constructor(row: SessionRow, now: number, nextPage = 2) {
    this.nextPage = nextPage;
    this.sessionId = row.sessionId;
    this.userId = row.userId;
    this.syncType = row.syncType;
    this.fullSync = row.fullSync;
    this.pageLimit = row.pageLimit;
    this.username = row.discogsUsername;
    this.totalItems = row.totalItems;
    this.totalPages = row.totalPages;
    this.processedItems = row.processedItems;
    this.completedRequests = row.completedRequests;
    this.failedRequests = row.failedRequests;
    this.loadedAt = now;
    this.startedAt = row.startedAt?.getTime() ?? now;
  }

  /** Pages to fetch given what page 1 said and the session's page limit. */
  pagesToFetch(pages: number): number {
    return this.pageLimit === null ? pages : Math.min(pages, this.pageLimit);
  }

  /** Pages answered so far (the identity request is not a page). */
  get completedPages(): number {
    return Math.max(0, this.completedRequests - (this.username === null ? 0 : 1));
  }

  /** Pages known to exist that were never dispatched. */
  get unplannedPages(): number {
    return this.totalPages === null ? 0 : Math.max(0, this.totalPages - this.nextPage + 1);
  }

  /** True when nothing is queued, left to plan, in flight or being stored. */
  get idle(): boolean {
    return (
      this.queue.length === 0 &&
      this.inFlight.size === 0 &&
      this.processing === 0 &&
      this.unplannedPages === 0
    );
  }

  /** Requests still to be answered. */
  get remainingRequests(): number {
    return this.queue.length + this.inFlight.size + this.unplannedPages;
  }

  /**
   * The request to dispatch at `now`, removed from the queue: a due retry or re-queued request
   * first, else the next page, made by `plan`.
   */
  takeReady(now: number, plan: (page: number) => QueuedRequest): QueuedRequest | undefined {
    const index = this.queue.findIndex((r) => r.notBefore <= now);
    if (index >= 0) return this.queue.splice(index, 1)[0];
    if (this.unplannedPages === 0) return undefined;
    const page = this.nextPage;
    this.nextPage += 1;
    return plan(page);
  }

  /** Removes a queued request by id (its late answer arrived). */
  takeQueued(requestId: string): QueuedRequest | undefined {
    const index = this.queue.findIndex((r) => r.requestId === requestId);
    return index < 0 ? undefined : this.queue.splice(index, 1)[0];
  }

  /** When the earliest request becomes due (undefined when there is none). */
  nextDue(): number | undefined {
    if (this.unplannedPages > 0) return 0;
    let due: number | undefined;
    for (const r of this.queue) if (due === undefined || r.notBefore < due) due = r.notBefore;
    return due;
  }

  percent(): number {
    if (this.totalItems !== null && this.totalItems > 0) {
      return Math.min(100, Math.floor((this.processedItems / this.totalItems) * 1000) / 10);
    }
    if (this.totalPages !== null && this.totalPages > 0) {
      return Math.min(100, Math.floor((this.completedPages / this.totalPages) * 1000) / 10);
    }
    return 0;
  }

  /** The progress message of this session. */
  progress(
    status: SessionStatus,
    note: ProgressNote,
    etaMs: number | null,
    now: number,
  ): ProgressData {
    return {
      sessionId: this.sessionId,
      syncType: this.syncType,
      status,
      totalItems: this.totalItems,
      processedItems: this.processedItems,
      totalPages: this.totalPages,
      completedPages: this.completedPages,
      failedRequests: this.failedRequests,
      percent: status === 'completed' ? 100 : this.percent(),
      estimatedCompletionAt: etaMs === null ? null : new Date(now + etaMs).toISOString(),
      currentAction: note.action,
      resumeAt: note.resumeAt === undefined ? null : new Date(note.resumeAt).toISOString(),
    };
  }

  /** Observed time per answer since this pod took over (undefined until there is a rate). */
  observedIntervalMs(now: number): number | undefined {
    return this.answeredHere < 2 ? undefined : (now - this.loadedAt) / this.answeredHere;
  }
}
