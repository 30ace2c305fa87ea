import { Injectable, Logger } from '@nestjs/common';
import {
  circuitBreaker,
  CircuitState,
  ConsecutiveBreaker,
  handleAll,
  handleWhen,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import { MAIL_PROVIDERS, MailUpstreamConfig, type MailProvider } from '@libs/config';
import { RelayMetrics } from '../relay/relay.metrics';
import { isProviderFault } from './upstream-failure';

/** The two things of a provider that can fail for every account at once. */
export type ProviderUpstream = 'token' | 'smtp';

const STATE_NAMES: Record<CircuitState, string> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'isolated',
};

/**
 * Circuit breakers per provider and upstream (token endpoint, SMTP server), so a failing
 * Google token endpoint neither slows Outlook nor blocks Gmail accounts whose tokens are
 * still cached. Only provider-wide faults count (connection failures, timeouts, 5xx, 421),
 * never one account's bad grant or one message's rejection.
 */
@Injectable()
export class ProviderBreakers {
  private readonly logger = new Logger(ProviderBreakers.name);
  readonly #breakers = new Map<string, CircuitBreakerPolicy>();

  constructor(config: MailUpstreamConfig, metrics: RelayMetrics) {
    for (const provider of MAIL_PROVIDERS) {
      for (const upstream of ['token', 'smtp'] as const) {
        const policy =
          upstream === 'token'
            ? handleAll.orWhenResult((r) => r instanceof Response && r.status >= 500)
            : handleWhen(isProviderFault);
        const breaker = circuitBreaker(policy, {
          halfOpenAfter: config.breaker.halfOpenMs,
          breaker: new ConsecutiveBreaker(config.breaker.failures),
        });
        breaker.onStateChange((state) => {
          metrics.breakerState.set(
            { provider, upstream },
            state === CircuitState.Isolated ? 1 : state,
          );
          const log = state === CircuitState.Closed ? 'log' : 'warn';
          this.logger[log](`${provider} ${upstream} circuit ${STATE_NAMES[state]}`);
        });
        metrics.breakerState.set({ provider, upstream }, 0);
        this.#breakers.set(`${provider}:${upstream}`, breaker);
      }
    }
  }

  /** The breaker of one provider's token endpoint or SMTP server. */
  get(provider: MailProvider, upstream: ProviderUpstream): CircuitBreakerPolicy {
    return this.#breakers.get(`${provider}:${upstream}`)!;
  }

  isOpen(provider: MailProvider, upstream: ProviderUpstream): boolean {
    return this.get(provider, upstream).state === CircuitState.Open;
  }

  /**
   * A `fetch` for a provider's token endpoint: bounded by `timeoutMs` and counted by the
   * provider's token breaker (an open breaker fails at once, without a request).
   */
  tokenFetch(provider: MailProvider, timeoutMs: number): typeof fetch {
    const breaker = this.get(provider, 'token');
    return (input, init) =>
      breaker.execute(() => {
        const timeout = AbortSignal.timeout(timeoutMs);
        const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
        return fetch(input, { ...init, signal });
      });
  }
}
