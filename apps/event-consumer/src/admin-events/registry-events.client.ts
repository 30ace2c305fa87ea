import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { AdminEventsConfig } from '@libs/config';
import { NonRetryableError, RpcClient, RpcTimeoutError } from '@libs/messaging';
import { RemoteError, type AdminClientEvent, type ApplyEventsResult } from '@libs/models';
import { AdminEventsMetrics } from './admin-events.metrics';

/** The registry's RPC service (requests go to `stream:rpc:client-registry`). */
const REGISTRY_SERVICE = 'client-registry';
const APPLY_EVENTS = 'clients.applyEvents';
/** The registry's limit per call. */
const MAX_EVENTS_PER_CALL = 5_000;
/** Registry error code for a request it refuses as malformed (crosses the wire as a number). */
const REGISTRY_INVALID_INPUT = 65012;
/** Calls one batch may spend isolating the events the registry refuses (bisection). */
const MAX_CALLS_PER_BATCH = 64;
/** An attempt with less time than this left is not worth starting. */
const MIN_ATTEMPT_MS = 100;
const BACKOFF_BASE_MS = 100;
const BACKOFF_MAX_MS = 2_000;

/** A validated event and the stream entry it came from. */
export interface PendingEvent {
  entryId: string;
  event: AdminClientEvent;
}

/** What one batch's registry calls achieved. */
export interface ApplyOutcome {
  result: ApplyEventsResult;
  /** Events the registry committed (applied, duplicate or stale): safe to ack. */
  committed: PendingEvent[];
  /** Events not committed, by entry id; `NonRetryableError` for those the registry refused. */
  failed: Map<string, Error>;
}

interface Run {
  outcome: ApplyOutcome;
  calls: number;
  deadline: number;
  /** The last registry error, given to events left untried once the call budget is spent. */
  lastError?: Error;
}

/**
 * Applies events through the registry's `clients.applyEvents`. A registry that does not answer
 * is asked again with backoff until the batch's deadline; a registry that answers with an
 * error gets the batch in halves until the events it refuses are isolated, so one poison event
 * cannot hold back the valid ones beside it.
 */
@Injectable()
export class RegistryEventsClient implements OnModuleDestroy {
  private readonly stop = new AbortController();

  constructor(
    private readonly rpc: RpcClient,
    private readonly config: AdminEventsConfig,
    private readonly metrics: AdminEventsMetrics,
  ) {}

  /** Applies `items`; resolves by `deadline` (epoch ms) with what committed and what failed. */
  async apply(items: readonly PendingEvent[], deadline: number): Promise<ApplyOutcome> {
    const outcome: ApplyOutcome = {
      result: { applied: 0, duplicates: 0, stale: 0 },
      committed: [],
      failed: new Map(),
    };
    const run: Run = { outcome, calls: 0, deadline };
    for (let i = 0; i < items.length; i += MAX_EVENTS_PER_CALL)
      await this.applyIsolating(items.slice(i, i + MAX_EVENTS_PER_CALL), run);
    return outcome;
  }

  onModuleDestroy(): void {
    // Shutdown: stop waiting for the registry; unacked entries are retried by the group.
    this.stop.abort();
  }

  private async applyIsolating(items: readonly PendingEvent[], run: Run): Promise<void> {
    if (run.lastError && run.calls >= MAX_CALLS_PER_BATCH) {
      for (const item of items) run.outcome.failed.set(item.entryId, run.lastError);
      return;
    }
    try {
      const result = await this.callPatiently(
        items.map((item) => item.event),
        run,
      );
      run.outcome.result.applied += result.applied;
      run.outcome.result.duplicates += result.duplicates;
      run.outcome.result.stale += result.stale;
      run.outcome.committed.push(...items);
    } catch (error) {
      run.lastError = error instanceof Error ? error : new Error(String(error));
      if (error instanceof RemoteError && items.length > 1) {
        const half = Math.ceil(items.length / 2);
        await this.applyIsolating(items.slice(0, half), run);
        await this.applyIsolating(items.slice(half), run);
        return;
      }
      const failure = classify(error, items.length);
      for (const item of items) run.outcome.failed.set(item.entryId, failure);
    }
  }

  /** One call, asked again with backoff while the registry does not answer and time remains. */
  private async callPatiently(
    events: readonly AdminClientEvent[],
    run: Run,
  ): Promise<ApplyEventsResult> {
    for (let attempt = 0; ; attempt++) {
      const timeoutMs = Math.min(this.config.rpcTimeoutMs, run.deadline - Date.now());
      if (timeoutMs < MIN_ATTEMPT_MS)
        throw new Error('no time left in this delivery to call the registry');
      run.calls++;
      try {
        return await this.call(events, timeoutMs);
      } catch (error) {
        const pause =
          Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** attempt) * (0.5 + Math.random() / 2);
        const retry =
          error instanceof RpcTimeoutError && Date.now() + pause + MIN_ATTEMPT_MS < run.deadline;
        if (!retry || !(await this.pause(pause))) throw error;
      }
    }
  }

  private async call(
    events: readonly AdminClientEvent[],
    timeoutMs: number,
  ): Promise<ApplyEventsResult> {
    const started = performance.now();
    try {
      const result = await this.rpc.request<ApplyEventsResult>(
        REGISTRY_SERVICE,
        APPLY_EVENTS,
        { events },
        { timeoutMs },
      );
      this.metrics.call('ok', (performance.now() - started) / 1000);
      return result;
    } catch (error) {
      const outcome = error instanceof RpcTimeoutError ? 'timeout' : 'error';
      this.metrics.call(outcome, (performance.now() - started) / 1000);
      throw error;
    }
  }

  /** Waits `ms` unless shutdown begins; true when the wait completed. */
  private async pause(ms: number): Promise<boolean> {
    try {
      await sleep(ms, undefined, { signal: this.stop.signal });
      return true;
    } catch {
      return false;
    }
  }
}

/** A refusal of one event is final (dead-letter now); anything else may pass on a retry. */
function classify(error: unknown, events: number): Error {
  if (error instanceof RemoteError && events === 1 && error.code === REGISTRY_INVALID_INPUT)
    return new NonRetryableError(`the registry refused the event: ${error.message}`, {
      cause: error,
    });
  return error instanceof Error ? error : new Error(String(error));
}
