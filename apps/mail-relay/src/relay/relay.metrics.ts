import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Why a message ended as it did (the `outcome` label). */
export type MessageOutcome =
  | 'delivered'
  | 'dry_run'
  | 'refused'
  | 'rate_limited'
  | 'busy'
  | 'token_failed'
  | 'circuit_open'
  | 'upstream_failed'
  | 'upstream_rejected';

/** The relay's Prometheus metrics, registered in the app's registry (served on /metrics). */
@Injectable()
export class RelayMetrics {
  readonly messages: Counter<'provider' | 'outcome'>;
  readonly latency: Histogram<'provider' | 'outcome'>;
  readonly tokenRequests: Counter<'provider' | 'result'>;
  readonly tokenRefreshes: Counter<'provider' | 'result'>;
  readonly breakerState: Gauge<'provider' | 'upstream'>;
  readonly pools: Gauge;
  readonly connectionsOpened: Counter<'provider'>;
  readonly upstreamMessages: Counter<'provider'>;
  readonly rateLimited: Counter<'provider' | 'limit'>;
  readonly sessions: Gauge;
  readonly authFailures: Counter;
  readonly accounts: Gauge<'provider'>;
  readonly reloads: Counter<'source' | 'result'>;
  readonly inFlight: Gauge;
  readonly bufferedBytes: Gauge;

  constructor(registry: Registry) {
    const registers = [registry];
    this.messages = new Counter({
      name: 'mail_relay_messages_total',
      help: 'Messages by provider and outcome',
      labelNames: ['provider', 'outcome'],
      registers,
    });
    this.latency = new Histogram({
      name: 'mail_relay_message_duration_seconds',
      help: 'From the end of DATA to the reply sent to the local application',
      labelNames: ['provider', 'outcome'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.tokenRequests = new Counter({
      name: 'mail_relay_token_requests_total',
      help: 'Access-token lookups answered from the cache (hit) or by a refresh (miss)',
      labelNames: ['provider', 'result'],
      registers,
    });
    this.tokenRefreshes = new Counter({
      name: 'mail_relay_token_refreshes_total',
      help: 'Token endpoint refreshes by result (a failure counts each attempt)',
      labelNames: ['provider', 'result'],
      registers,
    });
    this.breakerState = new Gauge({
      name: 'mail_relay_breaker_state',
      help: 'Circuit breaker per provider and upstream: 0 closed, 1 open, 2 half-open',
      labelNames: ['provider', 'upstream'],
      registers,
    });
    this.pools = new Gauge({
      name: 'mail_relay_upstream_pools',
      help: 'Per-account upstream connection pools held',
      registers,
    });
    this.connectionsOpened = new Counter({
      name: 'mail_relay_upstream_connections_opened_total',
      help: 'Upstream SMTP connections opened (messages per connection = reuse)',
      labelNames: ['provider'],
      registers,
    });
    this.upstreamMessages = new Counter({
      name: 'mail_relay_upstream_messages_total',
      help: 'Messages handed to an upstream pool',
      labelNames: ['provider'],
      registers,
    });
    this.rateLimited = new Counter({
      name: 'mail_relay_rate_limit_rejections_total',
      help: 'Messages refused by a limit: hourly budget, account or global concurrency, memory',
      labelNames: ['provider', 'limit'],
      registers,
    });
    this.sessions = new Gauge({
      name: 'mail_relay_smtp_sessions',
      help: 'Open SMTP sessions from local applications',
      registers,
    });
    this.authFailures = new Counter({
      name: 'mail_relay_auth_failures_total',
      help: 'Failed local AUTH attempts',
      registers,
    });
    this.accounts = new Gauge({
      name: 'mail_relay_accounts',
      help: 'Accounts served, by provider',
      labelNames: ['provider'],
      registers,
    });
    this.reloads = new Counter({
      name: 'mail_relay_account_reloads_total',
      help: 'Account source reloads: applied, refused (invalid) or failed (source unreachable); the old accounts stay unless applied',
      labelNames: ['source', 'result'],
      registers,
    });
    this.inFlight = new Gauge({
      name: 'mail_relay_upstream_in_flight',
      help: 'Upstream deliveries holding a global concurrency slot',
      registers,
    });
    this.bufferedBytes = new Gauge({
      name: 'mail_relay_buffered_bytes',
      help: 'Bytes of message bodies held in memory',
      registers,
    });
  }
}
