import type { SessionStatus } from '@libs/sync-client';
import type { RateWindow } from '../pacing/rate-window';
import type { DriverDeps } from './driver-deps';
import type { ProgressNote, SessionState } from './session-state';

const clockTime = (ms: number) => new Date(ms).toISOString().slice(11, 19);

/** Tells a user's sockets where their sessions stand and when dispatch waits for the limit. */
export class ProgressReporter {
  private announcedUntil = 0;

  constructor(
    private readonly userId: string,
    private readonly deps: DriverDeps,
    private readonly window: RateWindow,
  ) {}

  /**
   * Sends a session's progress. The ETA extrapolates the rate observed since this pod took the
   * session over, and is never sooner than the rate window allows.
   */
  report(state: SessionState, status: SessionStatus, note: ProgressNote): void {
    const now = this.deps.clock();
    let eta: number | null = null;
    if (status === 'completed') eta = 0;
    else if (state.totalPages !== null && (status === 'in_progress' || status === 'paused')) {
      const remaining = state.remainingRequests;
      const observed = (state.observedIntervalMs(now) ?? 0) * remaining;
      eta = Math.max(this.window.timeToSend(remaining, now), observed);
    }
    const progress = state.progress(status, note, eta, now);
    this.deps.messenger.toUser(this.userId, state.sessionId, 'sync_progress', progress);
  }

  /** Announces a wait for the rate limit, once per resume time, if it is long enough to notice. */
  announceWait(states: Iterable<SessionState>, now: number, wait: number): void {
    const resumeAt = Number.isFinite(wait) ? now + wait : this.window.resetsAt(now);
    if (wait < this.deps.pacing.pauseNoticeMs || resumeAt === undefined) return;
    if (resumeAt <= this.announcedUntil) return;
    this.announcedUntil = resumeAt;
    this.deps.metrics.rateLimitWaits.inc();
    const action = `Waiting for the Discogs rate limit until ${clockTime(resumeAt)} UTC`;
    for (const state of states) this.report(state, 'in_progress', { action, resumeAt });
  }
}
