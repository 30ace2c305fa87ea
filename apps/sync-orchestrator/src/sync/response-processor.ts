import { Logger } from '@nestjs/common';
import type { ApiResponseData } from '@libs/sync-client';
import {
  InvalidDiscogsBodyError,
  parseIdentity,
  parsePage,
  type DiscogsPage,
} from '../discogs/discogs-page.parser';
import { pageUrl, PER_PAGE, REQUEST_HEADERS } from '../discogs/discogs-requests';
import type { RateWindow } from '../pacing/rate-window';
import { hasRateHeaders } from './answer-headers';
import type { DriverDeps } from './driver-deps';
import type { ProgressReporter } from './progress-reporter';
import type { QueuedRequest, SessionState } from './session-state';
import type { PlannedRequest, RequestOutcome } from './sync-request.repository';

/** What the processor may do to its driver's state. */
export interface DriverHooks {
  readonly window: RateWindow;
  readonly reporter: ProgressReporter;
  enqueue(state: SessionState, request: QueuedRequest): void;
  forget(state: SessionState): void;
}

/** Statuses worth retrying: no answer, timeouts, and Discogs' own troubles. */
const isTransient = (status: number) => status === 0 || status === 408 || status >= 500;

const describe = (r: PlannedRequest) =>
  r.purpose === 'identity' ? 'the identity request' : `page ${r.page}`;
const reason = (o: RequestOutcome) => (o.status ? `HTTP ${o.status}` : (o.error ?? 'no answer'));

/**
 * Turns a client's answer into state: stores pages (idempotently, with the plan of the
 * remaining pages after page 1), schedules retries with backoff, fails requests and sessions,
 * and finishes sessions. Every database write is guarded, so duplicate answers change nothing.
 */
export class ResponseProcessor {
  private readonly logger = new Logger(ResponseProcessor.name);

  constructor(
    private readonly userId: string,
    private readonly deps: DriverDeps,
    private readonly hooks: DriverHooks,
  ) {}

  async process(state: SessionState, request: QueuedRequest, answer: ApiResponseData) {
    const outcome: RequestOutcome = {
      status: answer.status,
      headers: answer.headers,
      error: answer.error?.slice(0, 500),
    };
    try {
      if (answer.status === 200) return await this.store(state, request, answer.body, outcome);
      if (answer.status === 429) return await this.slowDown(state, request, outcome);
      if (answer.status === 401 || answer.status === 403) {
        return await this.failSession(state, `Discogs refused the token (HTTP ${answer.status})`);
      }
      if (isTransient(answer.status)) {
        return await this.retry(
          state,
          request,
          outcome,
          this.deps.backoff.delayMs(request.retries + 1),
        );
      }
      await this.failRequest(state, request, outcome);
    } catch (error) {
      const invalid = error instanceof InvalidDiscogsBodyError;
      if (!invalid)
        this.logger.error({ err: error, sessionId: state.sessionId }, 'answer not stored');
      const failed = {
        ...outcome,
        error: invalid ? `invalid body: ${error.message}` : 'not stored',
      };
      this.deps.metrics.answers.inc({ outcome: 'retried' });
      await this.retry(state, request, failed, this.deps.backoff.delayMs(request.retries + 1));
    }
  }

  /** Ends a session whose requests are all answered. */
  async finish(state: SessionState): Promise<void> {
    this.hooks.forget(state);
    if (state.failedRequests > 0) {
      const total = state.completedRequests + state.failedRequests;
      await this.failSession(state, `${state.failedRequests} of ${total} requests failed`);
      return;
    }
    // A full sync removes what the user no longer has; a page-limited one saw only part.
    if (state.fullSync && state.pageLimit === null) {
      await this.deps.items.prune(this.userId, state.syncType, state.sessionId);
    }
    if (!(await this.deps.sessions.finish(state.sessionId, 'completed', null))) return;
    const now = this.deps.clock();
    this.hooks.reporter.report(state, 'completed', { action: 'Completed' });
    this.deps.messenger.toUser(this.userId, state.sessionId, 'sync_complete', {
      sessionId: state.sessionId,
      syncType: state.syncType,
      status: 'completed',
      totalItems: state.totalItems ?? state.processedItems,
      processedItems: state.processedItems,
      durationMs: now - state.startedAt,
    });
    this.logger.log({ sessionId: state.sessionId, items: state.processedItems }, 'sync completed');
  }

  private async store(
    state: SessionState,
    request: QueuedRequest,
    body: string,
    outcome: RequestOutcome,
  ) {
    if (request.purpose === 'identity') return this.storeIdentity(state, request, body, outcome);
    const page = parsePage(body, state.syncType);
    const plan = request.page === 1 ? this.plan(state, page) : undefined;
    const totals = await this.deps.requests.completePage(
      request.requestId,
      state,
      page,
      outcome,
      plan,
    );
    if (!totals) return;
    this.deps.metrics.answers.inc({ outcome: 'stored' });
    state.processedItems = totals.processedItems;
    state.completedRequests = totals.completedRequests;
    if (plan) {
      // From here on the session dispatches pages 2… by itself (see SessionState.nextPage).
      state.totalPages = plan.totalPages;
      state.totalItems = plan.totalItems;
    }
    this.hooks.reporter.report(state, 'in_progress', {
      action: `Processing page ${request.page} of ${state.totalPages}`,
    });
  }

  private async storeIdentity(
    state: SessionState,
    request: QueuedRequest,
    body: string,
    outcome: RequestOutcome,
  ) {
    const username = parseIdentity(body);
    const first = this.deps.plan('page', 1, pageUrl(state.syncType, username, 1));
    const stored = await this.deps.requests.completeIdentity(
      request.requestId,
      state.sessionId,
      username,
      outcome,
      first,
      REQUEST_HEADERS,
    );
    if (!stored) return;
    this.deps.metrics.answers.inc({ outcome: 'stored' });
    state.username = username;
    state.completedRequests += 1;
    this.hooks.enqueue(state, { ...first, notBefore: 0 });
    this.hooks.reporter.report(state, 'in_progress', {
      action: `Fetching page 1 of ${username}'s ${state.syncType}`,
    });
  }

  /** What page 1 says about the whole sync, within the session's page limit. */
  private plan(state: SessionState, page: DiscogsPage) {
    const totalPages = state.pagesToFetch(page.pages);
    return { totalPages, totalItems: Math.min(page.totalItems, totalPages * PER_PAGE) };
  }

  private async slowDown(state: SessionState, request: QueuedRequest, outcome: RequestOutcome) {
    const now = this.deps.clock();
    if (!hasRateHeaders(outcome.headers)) this.hooks.window.saturate(now);
    this.deps.metrics.answers.inc({ outcome: 'rate_limited' });
    const delay = this.deps.backoff.afterTooManyRequests(
      request.retries + 1,
      outcome.headers['retry-after'],
    );
    await this.retry(state, request, outcome, delay);
  }

  private async retry(
    state: SessionState,
    request: QueuedRequest,
    outcome: RequestOutcome,
    delay: number,
  ) {
    const retries = request.retries + 1;
    if (retries > this.deps.pacing.maxRetries) return this.failRequest(state, request, outcome);
    const notBefore = this.deps.clock() + delay;
    this.hooks.enqueue(state, { ...request, retries, notBefore });
    if (outcome.status !== 429) this.deps.metrics.answers.inc({ outcome: 'retried' });
    const action = `Retrying ${describe(request)} (${reason(outcome)}), attempt ${retries + 1}`;
    this.hooks.reporter.report(state, 'in_progress', { action, resumeAt: notBefore });
    await this.deps.requests.markRetrying(request.requestId, retries, outcome);
  }

  private async failRequest(state: SessionState, request: QueuedRequest, outcome: RequestOutcome) {
    if (!(await this.deps.requests.fail(request.requestId, outcome))) return;
    this.deps.metrics.answers.inc({ outcome: 'failed' });
    state.failedRequests += 1;
    const message = `${describe(request)} failed: ${reason(outcome)}`;
    this.deps.messenger.toUser(this.userId, state.sessionId, 'sync_error', {
      sessionId: state.sessionId,
      requestId: request.requestId,
      code: 'request_failed',
      message,
      fatal: false,
    });
    // Without the identity or page 1 there is nothing more to plan.
    if (request.purpose === 'identity' || request.page === 1)
      await this.failSession(state, message);
  }

  private async failSession(state: SessionState, message: string): Promise<void> {
    this.hooks.forget(state);
    if (!(await this.deps.sessions.finish(state.sessionId, 'failed', message))) return;
    this.hooks.reporter.report(state, 'failed', { action: `Failed: ${message}` });
    this.deps.messenger.toUser(this.userId, state.sessionId, 'sync_error', {
      sessionId: state.sessionId,
      requestId: null,
      code: 'sync_failed',
      message,
      fatal: true,
    });
    this.logger.warn({ sessionId: state.sessionId, reason: message }, 'sync failed');
  }
}
