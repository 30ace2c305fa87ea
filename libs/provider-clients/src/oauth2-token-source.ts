import { Logger } from '@nestjs/common';
import { ExponentialBackoff, handleWhen, retry, type RetryPolicy } from 'cockatiel';
import { OAuth2RefreshClient, type RefreshResult } from './oauth2-refresh.client';
import {
  OAuth2RefreshError,
  ProviderClientError,
  ProviderClientErrorCode,
} from './provider-client.errors';
import type { OAuth2Provider } from './provider.types';

/** The token set after a refresh, as it should be stored back. */
export interface OAuth2Tokens {
  accessToken: string;
  expiresAt: Date;
  refreshToken: string;
  scope?: string;
}

export interface OAuth2TokenSourceOptions {
  provider: OAuth2Provider;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  accessToken?: string;
  expiresAt?: Date;
  /** Refresh this long before expiry (default 5 min). */
  refreshSkewMs?: number;
  /** Stores new tokens back; a failure here is logged, not thrown (the token is still good). */
  onTokens?: (tokens: OAuth2Tokens) => Promise<void> | void;
  /** `maxAttempts` counts every request, the first included (default 4). */
  retry?: { maxAttempts?: number; baseDelayMs?: number; maxDelayMs?: number };
  /** For tests: the HTTP client. */
  fetch?: typeof fetch;
  /** For tests: the clock (epoch ms). */
  now?: () => number;
  /** Names the account in logs (never a secret; e.g. a user id or mailbox). */
  label?: string;
}

/** Counters of one token source. */
export interface OAuth2TokenSourceStats {
  /** Refreshes that produced a token (one per single-flight refresh, however many retries). */
  refreshes: number;
  /** Refresh requests that failed (each attempt counts). */
  failures: number;
  /** Calls answered from the cached access token. */
  hits: number;
  /** Calls that needed (or joined) a refresh. */
  misses: number;
}

const DEFAULT_SKEW_MS = 5 * 60_000;
/** Used when a token endpoint omits `expires_in` (RFC 6749 makes it optional). */
const DEFAULT_LIFETIME_S = 3600;

/**
 * Hands out OAuth 2.0 access tokens for one account: cached until `expiresAt - refreshSkewMs`,
 * refreshed single-flight with retry (exponential backoff, jitter) on transient failures.
 */
export class OAuth2TokenSource {
  readonly stats: OAuth2TokenSourceStats = { refreshes: 0, failures: 0, hits: 0, misses: 0 };
  readonly provider: OAuth2Provider;
  private readonly logger = new Logger(OAuth2TokenSource.name);
  readonly #client: OAuth2RefreshClient;
  readonly #policy: RetryPolicy;
  readonly #skewMs: number;
  readonly #now: () => number;
  readonly #onTokens?: OAuth2TokenSourceOptions['onTokens'];
  readonly #label: string;
  readonly #aborter = new AbortController();
  #accessToken: string | undefined;
  #expiresAt: number;
  #refreshToken: string;
  #inflight: Promise<string> | undefined;

  constructor(options: OAuth2TokenSourceOptions) {
    this.provider = options.provider;
    this.#client = new OAuth2RefreshClient(
      options.tokenUrl,
      options.clientId,
      options.clientSecret,
      options.fetch,
    );
    this.#skewMs = options.refreshSkewMs ?? DEFAULT_SKEW_MS;
    this.#now = options.now ?? Date.now;
    this.#onTokens = options.onTokens;
    this.#label = options.label ? `${options.provider} ${options.label}` : options.provider;
    this.#accessToken = options.accessToken;
    this.#expiresAt = options.expiresAt?.getTime() ?? 0;
    this.#refreshToken = options.refreshToken;
    this.#policy = this.#retryPolicy(options.retry);
  }

  /** A valid access token: the cached one, or a fresh one (one refresh for all waiting callers). */
  async getAccessToken(): Promise<string> {
    if (this.#aborter.signal.aborted) {
      throw new ProviderClientError(ProviderClientErrorCode.Disposed, 'token source disposed');
    }
    if (this.#accessToken !== undefined && this.#now() < this.#expiresAt - this.#skewMs) {
      this.stats.hits++;
      return this.#accessToken;
    }
    this.stats.misses++;
    this.#inflight ??= this.#refresh().finally(() => (this.#inflight = undefined));
    return this.#inflight;
  }

  /** Forgets the access token, so the next call refreshes (e.g. the server rejected it). */
  invalidate(): void {
    this.#accessToken = undefined;
  }

  /** Drops the tokens from memory and stops pending retries; later calls fail. */
  dispose(): void {
    this.#aborter.abort();
    this.#accessToken = undefined;
    this.#refreshToken = '';
  }

  async #refresh(): Promise<string> {
    const startedAt = this.#now();
    let result: RefreshResult;
    try {
      result = await this.#policy.execute(() => this.#attempt(), this.#aborter.signal);
    } catch (error) {
      throw this.#surface(error);
    }
    if (this.#aborter.signal.aborted) throw this.#surface(undefined);
    const tokens = this.#apply(result, startedAt);
    this.stats.refreshes++;
    const lifetime = Math.round((tokens.expiresAt.getTime() - startedAt) / 1000);
    this.logger.debug(`${this.#label} access token refreshed (valid ${lifetime} s)`);
    await this.#store(tokens);
    return tokens.accessToken;
  }

  #surface(error: unknown): ProviderClientError {
    if (this.#aborter.signal.aborted) {
      return new ProviderClientError(ProviderClientErrorCode.Disposed, 'token source disposed', {
        cause: error,
      });
    }
    const surfaced =
      error instanceof ProviderClientError
        ? error
        : new OAuth2RefreshError('token refresh failed', { retryable: true, cause: error });
    this.logger.error(`${this.#label} token refresh failed: ${surfaced.message}`);
    return surfaced;
  }

  async #attempt(): Promise<RefreshResult> {
    try {
      return await this.#client.refresh(this.#refreshToken);
    } catch (error) {
      this.stats.failures++;
      throw error;
    }
  }

  /** Lifetime counts from when the request left, so a slow answer errs towards an early refresh. */
  #apply(result: RefreshResult, startedAt: number): OAuth2Tokens {
    const lifetimeS = result.expiresInSeconds ?? DEFAULT_LIFETIME_S;
    this.#accessToken = result.accessToken;
    this.#expiresAt = startedAt + lifetimeS * 1000;
    // Google never rotates refresh tokens and omits them; Microsoft may rotate them.
    if (result.refreshToken) this.#refreshToken = result.refreshToken;
    return {
      accessToken: result.accessToken,
      expiresAt: new Date(this.#expiresAt),
      refreshToken: this.#refreshToken,
      ...(result.scope === undefined ? {} : { scope: result.scope }),
    };
  }

  async #store(tokens: OAuth2Tokens): Promise<void> {
    if (!this.#onTokens) return;
    try {
      await this.#onTokens(tokens);
    } catch (error) {
      const reason = error instanceof Error ? error.name : 'unknown error';
      this.logger.error(`${this.#label} refreshed tokens could not be stored (${reason})`);
    }
  }

  #retryPolicy(options: OAuth2TokenSourceOptions['retry'] = {}): RetryPolicy {
    const policy = retry(
      handleWhen((error) => error instanceof OAuth2RefreshError && error.retryable),
      {
        maxAttempts: Math.max(0, (options.maxAttempts ?? 4) - 1),
        backoff: new ExponentialBackoff({
          initialDelay: options.baseDelayMs ?? 250,
          maxDelay: options.maxDelayMs ?? 10_000,
        }),
      },
    );
    policy.onRetry(({ delay, attempt, ...reason }) => {
      const why =
        'error' in reason && reason.error instanceof Error
          ? reason.error.message
          : 'unexpected result';
      this.logger.warn(
        `${this.#label} token refresh attempt ${attempt} failed (${why}); retry in ${Math.round(delay)} ms`,
      );
    });
    return policy;
  }
}
