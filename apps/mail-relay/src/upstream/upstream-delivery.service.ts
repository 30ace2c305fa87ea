import { Injectable } from '@nestjs/common';
import { ExponentialBackoff, handleWhen, retry, type RetryPolicy } from 'cockatiel';
import type { SMTPPoolSentMessageInfo } from 'nodemailer';
import { MailLimitsConfig, MailUpstreamConfig } from '@libs/config';
import type { AccountRuntime } from '../accounts/account-runtime';
import { Semaphore, SlotTimeoutError } from '../limits/semaphore';
import { MailRelayError, MailRelayErrorCode } from '../relay/relay.errors';
import { RelayMetrics } from '../relay/relay.metrics';
import { TokenManager } from '../tokens/token-manager.service';
import { ProviderBreakers } from './provider-breakers';
import { classifyUpstreamFailure, type ClassifiedFailure } from './upstream-failure';
import type { OutgoingMessage } from './raw-message';
import { UpstreamPools } from './upstream-pools.service';

/** One failed attempt, carried through cockatiel's retry so it can decide on it. */
class AttemptFailed extends Error {
  constructor(readonly failure: ClassifiedFailure) {
    super(failure.error.message);
  }
}

/**
 * Hands a message to the provider: each attempt takes a global concurrency slot and goes
 * through the provider's SMTP circuit breaker; transient failures are retried with
 * exponential backoff and jitter while the message's deadline allows. An access token the
 * upstream refuses is refreshed once before the next attempt (nodemailer itself already
 * answers a `334` challenge with one refresh and one retry on the same connection).
 */
@Injectable()
export class UpstreamDelivery {
  readonly #global: Semaphore;
  readonly #retry: RetryPolicy;

  constructor(
    config: MailUpstreamConfig,
    limits: MailLimitsConfig,
    private readonly pools: UpstreamPools,
    private readonly breakers: ProviderBreakers,
    private readonly tokens: TokenManager,
    private readonly metrics: RelayMetrics,
  ) {
    this.#global = new Semaphore(limits.globalConcurrency, 'global_concurrency');
    this.#retry = retry(
      handleWhen((e) => e instanceof AttemptFailed && e.failure.retryable),
      {
        maxAttempts: config.retry.attempts - 1,
        backoff: new ExponentialBackoff({
          initialDelay: config.retry.baseMs,
          maxDelay: config.retry.maxMs,
        }),
      },
    );
  }

  /** Resolves once the upstream accepted the message; rejects with a {@link MailRelayError}. */
  async deliver(
    account: AccountRuntime,
    message: OutgoingMessage,
    signal: AbortSignal,
  ): Promise<SMTPPoolSentMessageInfo> {
    let last: MailRelayError | undefined;
    try {
      return await this.#retry.execute(async () => {
        const startedAt = Date.now();
        try {
          return await this.attempt(account, message, signal);
        } catch (error) {
          const failure = await this.judge(account, error, startedAt);
          last = failure.error;
          throw new AttemptFailed(failure);
        }
      }, signal);
    } catch (error) {
      if (error instanceof AttemptFailed) throw error.failure.error;
      // The deadline fired during a backoff: the last attempt's reason is the answer.
      if (last) throw last;
      throw error;
    }
  }

  private attempt(
    account: AccountRuntime,
    message: OutgoingMessage,
    signal: AbortSignal,
  ): Promise<SMTPPoolSentMessageInfo> {
    return this.breakers.get(account.provider, 'smtp').execute(() =>
      this.#global.run(signal, async () => {
        this.metrics.inFlight.set(this.#global.active);
        try {
          return await this.pools.send(account, message);
        } finally {
          this.metrics.inFlight.set(this.#global.active - 1);
        }
      }),
    );
  }

  private async judge(
    account: AccountRuntime,
    error: unknown,
    startedAt: number,
  ): Promise<ClassifiedFailure> {
    if (error instanceof SlotTimeoutError) {
      this.metrics.rateLimited.inc({ provider: account.provider, limit: error.limit });
      const busy = new MailRelayError(MailRelayErrorCode.Busy, 'relay busy, try again later');
      return { error: busy, retryable: false, authRejected: false };
    }
    const failure = classifyUpstreamFailure(error, account.provider);
    if (!failure.authRejected) return failure;
    // Renewed during this attempt (nodemailer's answer to a 334): the fresh token was refused too.
    if (this.tokens.renewedSince(account, startedAt)) return { ...failure, retryable: false };
    await this.tokens.renew(account).catch(() => undefined);
    return failure;
  }
}
