import { Injectable } from '@nestjs/common';
import { Counter, Histogram, Registry } from 'prom-client';
import type { ApplyEventsResult } from '@libs/models';
import { isAdminEventType } from './admin-event.validation';

/** What became of an event in one delivery. */
export type EventOutcome = 'committed' | 'rejected' | 'failed';

/** How one `clients.applyEvents` call ended. */
export type CallOutcome = 'ok' | 'timeout' | 'error';

/**
 * The consumer's own metrics, beside the stream transport's (lag, pending, oldest pending idle
 * time, DLQ length, handler latency): events by type and outcome, what the registry did with
 * the committed ones, and the registry calls.
 */
@Injectable()
export class AdminEventsMetrics {
  private readonly eventCounter: Counter<'type' | 'outcome'>;
  private readonly results: Counter<'result'>;
  private readonly calls: Histogram<'outcome'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.eventCounter = new Counter({
      name: 'event_consumer_events_total',
      help: 'Admin events by type and outcome: committed by the registry, rejected (dead-lettered as invalid) or failed (left for a retry)',
      labelNames: ['type', 'outcome'],
      registers,
    });
    this.results = new Counter({
      name: 'event_consumer_registry_results_total',
      help: 'Committed admin events by what the registry did: applied, duplicate (seen before) or stale (older than the client)',
      labelNames: ['result'],
      registers,
    });
    this.calls = new Histogram({
      name: 'event_consumer_registry_call_duration_seconds',
      help: 'clients.applyEvents calls by outcome',
      labelNames: ['outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
  }

  /** Counts events by type; unknown types share one label so publishers cannot grow the label set. */
  events(types: readonly string[], outcome: EventOutcome): void {
    const counts = new Map<string, number>();
    for (const type of types) {
      const label = isAdminEventType(type) ? type : 'unknown';
      counts.set(label, (counts.get(label) ?? 0) + 1);
    }
    for (const [type, n] of counts) this.eventCounter.inc({ type, outcome }, n);
  }

  result(result: ApplyEventsResult): void {
    this.results.inc({ result: 'applied' }, result.applied);
    this.results.inc({ result: 'duplicate' }, result.duplicates);
    this.results.inc({ result: 'stale' }, result.stale);
  }

  call(outcome: CallOutcome, seconds: number): void {
    this.calls.observe({ outcome }, seconds);
  }
}
