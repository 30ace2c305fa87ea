import { Logger } from '@nestjs/common';
import type { ApiResponseData } from '@libs/sync-client';
import { pageUrl, REQUEST_HEADERS } from '../discogs/discogs-requests';
import { RateWindow } from '../pacing/rate-window';
import type { DriverDeps } from './driver-deps';
import { rateHeaders } from './answer-headers';
import { ProgressReporter } from './progress-reporter';
import { ResponseProcessor } from './response-processor';
import { loadSession } from './session-loader';
import type { ClientSocket } from './sync-messenger';
import type { SessionRow } from './sync-session.repository';
import { SessionState, toQueued, type InFlightRequest, type QueuedRequest } from './session-state';

/** How often a user's reported rate-limit state is written down at most. */
const RATE_RECORD_INTERVAL_MS = 5_000;

/**
 * Drives the syncs of one user on the pod that holds the user's lease: paces dispatch through
 * the user's rate window, sends each request to one of the user's sockets, and hands answers
 * to the {@link ResponseProcessor}. Built when the user connects, discarded when they leave.
 */
export class UserDriver {
  readonly sockets = new Map<string, ClientSocket>();
  readonly window: RateWindow;
  leased = false;
  private readonly sessions = new Map<string, SessionState>();
  /** Owner session of every queued or in-flight request id. */
  private readonly owners = new Map<string, SessionState>();
  private readonly processor: ResponseProcessor;
  private readonly reporter: ProgressReporter;
  private readonly pending = new Set<Promise<unknown>>();
  private readonly logger = new Logger(UserDriver.name);
  private timer: NodeJS.Timeout | undefined;
  private turn = 0;
  private rateRecordedAt = -Infinity;
  private closed = false;

  constructor(
    readonly userId: string,
    private readonly deps: DriverDeps,
  ) {
    this.window = new RateWindow(deps.pacing.rateLimit, deps.pacing.windowMs);
    this.reporter = new ProgressReporter(userId, deps, this.window);
    this.processor = new ResponseProcessor(userId, deps, {
      window: this.window,
      reporter: this.reporter,
      enqueue: (state, request) => this.enqueue(state, request),
      forget: (state) => this.forget(state),
    });
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Seeds the window from the requests of the last window and takes over the user's sessions. */
  async load(): Promise<void> {
    const { windowMs, requestTimeoutMs } = this.deps.pacing;
    const recent = await this.deps.requests.recentSends(
      this.userId,
      windowMs,
      windowMs + requestTimeoutMs,
    );
    for (const at of recent) {
      this.window.settle(this.window.acquire(), at.getTime());
    }
    for (const row of await this.deps.sessions.findActive(this.userId)) await this.adopt(row);
    this.pump();
  }

  /** Takes over a session started after the user connected. */
  async addSession(sessionId: string): Promise<void> {
    if (this.closed || this.sessions.has(sessionId)) return;
    const [row] = (await this.deps.sessions.findActive(this.userId)).filter(
      (r) => r.sessionId === sessionId,
    );
    if (row) await this.adopt(row);
    this.pump();
  }

  /** Stops a session at once (cancelled): nothing more of it is dispatched. */
  dropSession(sessionId: string): void {
    const state = this.sessions.get(sessionId);
    if (state) this.forget(state);
  }

  addSocket(socket: ClientSocket): void {
    this.sockets.set(socket.id, socket);
    this.pump();
  }

  /** A socket left: what it was executing goes back to the front of the queue. */
  removeSocket(socketId: string): void {
    this.sockets.delete(socketId);
    const now = this.deps.clock();
    for (const state of this.sessions.values()) {
      for (const flight of [...state.inFlight.values()]) {
        if (flight.socketId !== socketId) continue;
        this.unflight(state, flight, now);
        state.queue.unshift(toQueued(flight, 0));
      }
    }
    this.pump();
  }

  /** An answer from one of this user's sockets; false when no open request has that id. */
  handleAnswer(answer: ApiResponseData): boolean {
    const state = this.owners.get(answer.requestId);
    if (!state || this.closed) return false;
    const now = this.deps.clock();
    const flight = state.inFlight.get(answer.requestId);
    let request: QueuedRequest | undefined;
    if (flight) {
      this.unflight(state, flight, now);
      request = toQueued(flight, 0);
    } else {
      // A late answer to a request re-queued after a disconnect: as good as a fresh one.
      request = state.takeQueued(answer.requestId);
    }
    if (!request) return false;
    this.owners.delete(answer.requestId);
    const reported = rateHeaders(answer.headers);
    this.window.observe(reported, now);
    if (reported.remaining !== undefined || reported.used !== undefined) this.recordRateLimit(now);
    state.answeredHere += 1;
    state.processing += 1;
    this.track(
      this.processor.process(state, request, answer).finally(() => {
        state.processing -= 1;
        this.afterChange(state);
      }),
    );
    return true;
  }

  /** Stops driving: in-flight requests stay open in the database for whoever drives next. */
  async close(pause: boolean): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    const now = this.deps.clock();
    for (const state of this.sessions.values()) {
      for (const flight of [...state.inFlight.values()]) this.unflight(state, flight, now);
    }
    await Promise.allSettled([...this.pending]);
    const states = [...this.sessions.values()];
    this.sessions.clear();
    this.owners.clear();
    if (!pause) return;
    await this.deps.sessions.markPaused(states.map((s) => s.sessionId));
    const note = { action: 'Paused: waiting for your client to reconnect' };
    for (const state of states) this.reporter.report(state, 'paused', note);
  }

  private async adopt(row: SessionRow): Promise<void> {
    const { state, open } = await loadSession(this.deps, row);
    this.sessions.set(row.sessionId, state);
    for (const request of open) this.enqueue(state, toQueued(request, 0));
    this.logger.log({ sessionId: row.sessionId, open: open.length }, 'driving session');
    if (state.idle) return this.afterChange(state);
    const action = row.totalRequests === 0 ? 'Starting' : 'Resuming';
    this.reporter.report(state, 'in_progress', { action });
  }

  private enqueue(state: SessionState, request: QueuedRequest): void {
    if (!this.sessions.has(state.sessionId)) return;
    this.owners.set(request.requestId, state);
    if (request.notBefore > 0) state.queue.unshift(request);
    else state.queue.push(request);
  }

  private forget(state: SessionState): void {
    const now = this.deps.clock();
    for (const flight of [...state.inFlight.values()]) {
      this.unflight(state, flight, now);
      this.owners.delete(flight.requestId);
    }
    for (const request of state.queue) this.owners.delete(request.requestId);
    state.queue.length = 0;
    this.sessions.delete(state.sessionId);
  }

  private unflight(state: SessionState, flight: InFlightRequest, now: number): void {
    clearTimeout(flight.timer);
    state.inFlight.delete(flight.requestId);
    this.window.settle(flight.slot, now);
  }

  private afterChange(state: SessionState): void {
    if (this.closed) return;
    if (state.idle && !state.finishing && this.sessions.has(state.sessionId)) {
      state.finishing = true;
      this.track(this.processor.finish(state));
    }
    this.pump();
  }

  /** Dispatches every request the window and the retry delays allow now, then sleeps. */
  private pump(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const socket = [...this.sockets.values()].reverse().find((s) => s.connected);
    if (this.closed || !socket) return;
    const now = this.deps.clock();
    for (;;) {
      const due = this.nextDue();
      if (due === undefined) return;
      if (due > now) return this.wakeAt(due, now);
      const wait = this.window.waitMs(now);
      if (wait > 0) {
        this.reporter.announceWait(this.sessions.values(), now, wait);
        // Infinity: every slot is held by a request in flight; its answer pumps again.
        if (Number.isFinite(wait)) this.wakeAt(now + wait, now);
        return;
      }
      const next = this.takeNext(now);
      if (!next) return;
      this.dispatch(socket, next.state, next.request, now);
    }
  }

  private nextDue(): number | undefined {
    let due: number | undefined;
    for (const state of this.sessions.values()) {
      const at = state.nextDue();
      if (at !== undefined && (due === undefined || at < due)) due = at;
    }
    return due;
  }

  /** Round robin over the user's sessions, so a wantlist sync is not starved by a collection. */
  private takeNext(now: number): { state: SessionState; request: QueuedRequest } | undefined {
    const states = [...this.sessions.values()];
    for (let i = 0; i < states.length; i++) {
      const state = states[(this.turn + i) % states.length];
      const request = state.takeReady(now, (page) => this.planPage(state, page));
      if (request) {
        this.turn = (this.turn + i + 1) % states.length;
        return { state, request };
      }
    }
    return undefined;
  }

  /** A page dispatched for the first time: it gets its id (and, once sent, its row) now. */
  private planPage(state: SessionState, page: number): QueuedRequest {
    const request = this.deps.plan(
      'page',
      page,
      pageUrl(state.syncType, state.username ?? '', page),
    );
    this.owners.set(request.requestId, state);
    return toQueued(request, 0);
  }

  private dispatch(socket: ClientSocket, state: SessionState, request: QueuedRequest, now: number) {
    const flight: InFlightRequest = {
      ...request,
      slot: this.window.acquire(),
      sentAt: now,
      socketId: socket.id,
      timer: setTimeout(() => this.timeout(state, flight), this.deps.pacing.requestTimeoutMs),
    };
    flight.timer.unref();
    state.inFlight.set(request.requestId, flight);
    this.track(this.send(socket, state, flight));
  }

  private async send(socket: ClientSocket, state: SessionState, flight: InFlightRequest) {
    const id = await this.deps.requests.dispatch(state.sessionId, flight, REQUEST_HEADERS);
    if (state.inFlight.get(flight.requestId) !== flight) return; // re-queued meanwhile
    if (id === undefined) {
      // Cancelled (perhaps on another pod) or already answered: never reaches a client.
      clearTimeout(flight.timer);
      state.inFlight.delete(flight.requestId);
      this.window.release(flight.slot);
      this.owners.delete(flight.requestId);
      this.afterChange(state);
      return;
    }
    if (id !== flight.requestId) this.rekey(state, flight, id);
    const { requestId, url } = flight;
    this.deps.messenger.request(socket, state.sessionId, {
      requestId,
      url,
      method: 'GET',
      headers: { ...REQUEST_HEADERS },
    });
    this.deps.metrics.dispatched.inc();
  }

  /** The page already had an open row (planned before a restart): it keeps that row's id. */
  private rekey(state: SessionState, flight: InFlightRequest, id: string): void {
    state.inFlight.delete(flight.requestId);
    this.owners.delete(flight.requestId);
    flight.requestId = id;
    state.inFlight.set(id, flight);
    this.owners.set(id, state);
  }

  private timeout(state: SessionState, flight: InFlightRequest): void {
    const seconds = Math.round(this.deps.pacing.requestTimeoutMs / 1000);
    const error = `no answer in ${seconds} s`;
    this.handleAnswer({ requestId: flight.requestId, status: 0, headers: {}, body: '', error });
  }

  private wakeAt(at: number, now: number): void {
    this.timer = setTimeout(() => this.pump(), Math.max(1, at - now));
  }

  /** Keeps `sync.discogs_rate_limits` current for the user, at most every few seconds. */
  private recordRateLimit(now: number): void {
    if (now - this.rateRecordedAt < RATE_RECORD_INTERVAL_MS) return;
    this.rateRecordedAt = now;
    const { limit } = this.window;
    const used = Math.min(limit, this.window.used(now));
    this.track(
      this.deps.sessions.recordRateLimit(this.userId, limit, used, this.window.resetsAt(now)),
    );
  }

  private track(work: Promise<unknown>): void {
    const tracked = work.catch((error: unknown) =>
      this.logger.error({ err: error, userId: this.userId }, 'sync step failed'),
    );
    this.pending.add(tracked);
    void tracked.finally(() => this.pending.delete(tracked));
  }
}
