import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Registry } from 'prom-client';

/** Outcomes of client answers, as counted by `sync_responses_total`. */
export type AnswerOutcome = 'stored' | 'retried' | 'rate_limited' | 'failed' | 'rejected';

/** Prometheus metrics of the sync: dispatch, answers, pacing waits, live sessions and sockets. */
@Injectable()
export class SyncMetrics {
  readonly dispatched: Counter;
  readonly answers: Counter<'outcome'>;
  readonly rateLimitWaits: Counter;
  readonly sessions: Gauge;
  readonly sockets: Gauge;
  /** Read at each scrape (the engine sets it). */
  countSessions: () => number = () => 0;

  constructor(registry: Registry) {
    this.dispatched = new Counter({
      name: 'sync_requests_dispatched_total',
      help: 'Discogs requests sent to clients for execution',
      registers: [registry],
    });
    this.answers = new Counter({
      name: 'sync_responses_total',
      help: 'Answers of clients by outcome',
      labelNames: ['outcome'],
      registers: [registry],
    });
    this.rateLimitWaits = new Counter({
      name: 'sync_rate_limit_waits_total',
      help: 'Times dispatch paused for a user because the Discogs window was full',
      registers: [registry],
    });
    const counter = () => this.countSessions();
    this.sessions = new Gauge({
      name: 'sync_active_sessions',
      help: 'Sessions this pod drives',
      registers: [registry],
      collect() {
        this.set(counter());
      },
    });
    this.sockets = new Gauge({
      name: 'sync_connected_sockets',
      help: 'Client sockets connected to this pod',
      registers: [registry],
    });
  }
}
