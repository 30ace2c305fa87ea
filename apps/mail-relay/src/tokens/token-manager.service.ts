import { Injectable } from '@nestjs/common';
import { MailUpstreamConfig } from '@libs/config';
import {
  OAuth2RefreshError,
  OAuth2TokenSource,
  type OAuth2TokenSourceStats,
} from '@libs/provider-clients';
import { AccountRegistry } from '../accounts/account-registry.service';
import type { AccountRuntime } from '../accounts/account-runtime';
import { MailRelayError, MailRelayErrorCode } from '../relay/relay.errors';
import { RelayMetrics } from '../relay/relay.metrics';
import { ProviderBreakers } from '../upstream/provider-breakers';

/**
 * Connections that hit the same rejected token within this window share one refresh: the
 * first invalidates, the others take the token it produced.
 */
const RENEW_DEDUPE_MS = 2_000;

/** Attempts per refresh inside the token source; the breaker and the sender's retry do the rest. */
const REFRESH_RETRY = { maxAttempts: 2, baseDelayMs: 100, maxDelayMs: 1_000 };

interface Tracked {
  readonly source: OAuth2TokenSource;
  /** Counters already exported, so only the difference is added to the metrics. */
  readonly seen: OAuth2TokenSourceStats;
  renewedAt: number;
}

/**
 * Access tokens per account through `OAuth2TokenSource` (cached, refreshed 5 min ahead of
 * expiry, single-flight, refresh token kept when none is returned). Sources are created on an
 * account's first message and disposed when a reload retires the account.
 */
@Injectable()
export class TokenManager {
  readonly #sources = new WeakMap<AccountRuntime, Tracked>();

  constructor(
    private readonly config: MailUpstreamConfig,
    private readonly breakers: ProviderBreakers,
    private readonly registry: AccountRegistry,
    private readonly metrics: RelayMetrics,
  ) {}

  /** A valid access token for the account. */
  async accessToken(account: AccountRuntime): Promise<string> {
    const tracked = this.tracked(account);
    try {
      return await tracked.source.getAccessToken();
    } catch (error) {
      throw this.failure(account, error);
    } finally {
      this.export(account, tracked);
    }
  }

  /** The upstream rejected the token: refresh (once for connections failing together). */
  async renew(account: AccountRuntime): Promise<string> {
    const tracked = this.tracked(account);
    if (Date.now() - tracked.renewedAt > RENEW_DEDUPE_MS) {
      tracked.renewedAt = Date.now();
      tracked.source.invalidate();
    }
    return this.accessToken(account);
  }

  /** True when the account's token was renewed since `since` (epoch ms). */
  renewedSince(account: AccountRuntime, since: number): boolean {
    return (this.#sources.get(account)?.renewedAt ?? 0) >= since;
  }

  /** Refreshes that produced a token, for tests and the benchmark. */
  stats(account: AccountRuntime): OAuth2TokenSourceStats | undefined {
    return this.#sources.get(account)?.source.stats;
  }

  private tracked(account: AccountRuntime): Tracked {
    let tracked = this.#sources.get(account);
    if (!tracked) {
      tracked = {
        source: this.create(account),
        seen: { refreshes: 0, failures: 0, hits: 0, misses: 0 },
        renewedAt: 0,
      };
      this.#sources.set(account, tracked);
      const source = tracked.source;
      account.onDispose(() => source.dispose());
    }
    return tracked;
  }

  private create(account: AccountRuntime): OAuth2TokenSource {
    const { provider, credentials } = account;
    return new OAuth2TokenSource({
      provider,
      tokenUrl: credentials.tokenUrl ?? this.config.providers[provider].tokenUrl,
      clientId: credentials.clientId,
      clientSecret: credentials.clientSecret,
      refreshToken: credentials.refreshToken,
      label: account.email,
      retry: REFRESH_RETRY,
      fetch: this.breakers.tokenFetch(provider, this.config.tokenTimeoutMs),
      onTokens: (tokens) => this.registry.saveTokens(account, tokens),
    });
  }

  private failure(account: AccountRuntime, error: unknown): MailRelayError {
    const { provider, email } = account;
    let why = '';
    if (this.breakers.isOpen(provider, 'token')) why = ` (${provider} token endpoint circuit open)`;
    else if (error instanceof OAuth2RefreshError && !error.retryable) {
      why = ': the refresh token was refused, the account must be authorized again';
    }
    return new MailRelayError(
      MailRelayErrorCode.TokenUnavailable,
      `no access token for ${email} from ${provider}${why}; try again later`,
      { cause: error },
    );
  }

  /** Adds what the source counted since the last call (label lookups only for what changed). */
  private export(account: AccountRuntime, tracked: Tracked): void {
    const { stats } = tracked.source;
    const { seen } = tracked;
    const provider = account.provider;
    const add = (counter: typeof this.metrics.tokenRequests, result: string, by: number) => {
      if (by > 0) counter.inc({ provider, result }, by);
    };
    add(this.metrics.tokenRequests, 'hit', stats.hits - seen.hits);
    add(this.metrics.tokenRequests, 'miss', stats.misses - seen.misses);
    add(this.metrics.tokenRefreshes, 'ok', stats.refreshes - seen.refreshes);
    add(this.metrics.tokenRefreshes, 'failed', stats.failures - seen.failures);
    Object.assign(seen, stats);
  }
}
