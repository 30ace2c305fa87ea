import { Injectable, Logger } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import type { SMTPPoolSentMessageInfo } from 'nodemailer';
import { MailLimitsConfig, MailUpstreamConfig } from '@libs/config';
import { AccountRegistry } from '../accounts/account-registry.service';
import type { AccountRuntime } from '../accounts/account-runtime';
import { HourlyBudgets } from '../limits/hourly-budget';
import { SlotTimeoutError } from '../limits/semaphore';
import { TokenManager } from '../tokens/token-manager.service';
import { UpstreamDelivery } from '../upstream/upstream-delivery.service';
import type { OutgoingMessage } from '../upstream/raw-message';
import { MailRelayError, MailRelayErrorCode } from './relay.errors';
import { RelayMetrics, type MessageOutcome } from './relay.metrics';

const OUTCOMES: Record<MailRelayErrorCode, MessageOutcome> = {
  [MailRelayErrorCode.AccountsFileInvalid]: 'refused',
  [MailRelayErrorCode.SenderNotAllowed]: 'refused',
  [MailRelayErrorCode.AccountRemoved]: 'refused',
  [MailRelayErrorCode.RateLimited]: 'rate_limited',
  [MailRelayErrorCode.Busy]: 'busy',
  [MailRelayErrorCode.BufferFull]: 'busy',
  [MailRelayErrorCode.ShuttingDown]: 'busy',
  [MailRelayErrorCode.TokenUnavailable]: 'token_failed',
  [MailRelayErrorCode.CircuitOpen]: 'circuit_open',
  [MailRelayErrorCode.UpstreamUnavailable]: 'upstream_failed',
  [MailRelayErrorCode.UpstreamRejected]: 'upstream_rejected',
};

/**
 * What happens to a message once the local application finished DATA: hourly budget, the
 * account's concurrency slot, an access token (before any global slot is taken, so a slow
 * token endpoint only holds its own accounts), then the upstream. Resolves with the text of
 * the 250 reply only after the provider accepted the message.
 */
@Injectable()
export class RelayService {
  private readonly logger = new Logger(RelayService.name);

  constructor(
    private readonly registry: AccountRegistry,
    private readonly tokens: TokenManager,
    private readonly delivery: UpstreamDelivery,
    private readonly limits: MailLimitsConfig,
    private readonly upstream: MailUpstreamConfig,
    private readonly metrics: RelayMetrics,
    private readonly budgets: HourlyBudgets,
  ) {}

  /** The account a session authenticated as, still served, sending as itself. */
  accountFor(email: string, sender?: string): AccountRuntime {
    const account = this.registry.get(email);
    if (!account) {
      throw new MailRelayError(
        MailRelayErrorCode.AccountRemoved,
        `account ${email} is no longer served by this relay`,
      );
    }
    if (sender !== undefined && sender.toLowerCase() !== account.email) {
      throw new MailRelayError(
        MailRelayErrorCode.SenderNotAllowed,
        `sender <${sender}> is not the authenticated account ${account.email}`,
      );
    }
    return account;
  }

  /** Refuses early (at MAIL FROM) an account whose hourly budget is spent. */
  checkBudget(account: AccountRuntime): void {
    const wait = this.budgets.knownWait(account.limits.bucket);
    if (wait > 0) throw this.overBudget(account, wait);
  }

  /** Relays one message; rejects with a {@link MailRelayError} saying what the sender is told. */
  async relay(email: string, message: OutgoingMessage): Promise<string> {
    const startedAt = performance.now();
    let provider = 'unknown';
    try {
      const account = this.accountFor(email, message.from);
      provider = account.provider;
      const text = await this.relayFor(account, message);
      this.record(provider, this.upstream.dryRun ? 'dry_run' : 'delivered', startedAt);
      return text;
    } catch (error) {
      const relayError = error instanceof MailRelayError ? error : this.unexpected(error);
      this.refused(email, provider, relayError, startedAt);
      throw relayError;
    }
  }

  /** Counts and logs a message refused (also at MAIL FROM, before any DATA). */
  refused(
    email: string,
    provider: string,
    error: MailRelayError,
    startedAt = performance.now(),
  ): void {
    const outcome = OUTCOMES[error.code];
    this.record(provider, outcome, startedAt);
    // Limits doing their job are routine; everything else is worth an operator's eye.
    const routine = outcome === 'rate_limited' || outcome === 'busy';
    const line = `message from ${email} not relayed: ${error.reply.code} ${error.message}`;
    if (routine) this.logger.debug(line);
    else this.logger.warn(line);
  }

  private async relayFor(account: AccountRuntime, message: OutgoingMessage): Promise<string> {
    const budget = await this.budgets.claim(account.email, account.limits.bucket);
    if (!budget.allowed) throw this.overBudget(account, budget.retryAfterMs);
    account.enter();
    // Not AbortSignal.timeout(): its timer and signal would outlive every delivered message.
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), this.limits.deliveryTimeoutMs);
    try {
      const signal = deadline.signal;
      const info = await account.limits.slots.run(signal, async () => {
        await this.tokens.accessToken(account);
        if (this.upstream.dryRun) return undefined;
        return this.delivery.deliver(account, message, signal);
      });
      return this.acceptedText(account, message, info);
    } catch (error) {
      budget.refund();
      if (error instanceof SlotTimeoutError) {
        this.metrics.rateLimited.inc({ provider: account.provider, limit: error.limit });
        throw new MailRelayError(
          MailRelayErrorCode.Busy,
          `too many messages in flight for ${account.email}, try again later`,
        );
      }
      throw error;
    } finally {
      clearTimeout(timer);
      account.leave();
    }
  }

  private acceptedText(
    account: AccountRuntime,
    message: OutgoingMessage,
    info: SMTPPoolSentMessageInfo | undefined,
  ): string {
    if (!info) return '2.0.0 Dry run: accepted, not delivered';
    const upstreamSaid = info.response.replace(/^250[ -]/, '').slice(0, 200);
    const refused = info.rejected.length;
    if (refused > 0) {
      this.logger.warn(
        `${account.email}: ${account.provider} refused ${refused} of ${message.to.length} recipients`,
      );
      return `2.0.0 Accepted by ${account.provider} for ${message.to.length - refused} of ${message.to.length} recipients (refused: ${info.rejected.join(', ')}) ${upstreamSaid}`;
    }
    this.logger.debug(
      `${account.email}: message for ${message.to.length} recipient(s) accepted by ${account.provider}`,
    );
    return `2.0.0 Accepted by ${account.provider}: ${upstreamSaid}`;
  }

  private overBudget(account: AccountRuntime, retryAfterMs: number): MailRelayError {
    this.metrics.rateLimited.inc({ provider: account.provider, limit: 'hourly' });
    const seconds = Math.ceil(retryAfterMs / 1000);
    return new MailRelayError(
      MailRelayErrorCode.RateLimited,
      `hourly limit of ${account.limits.bucket!.capacity} messages reached for ${account.email}; try again in ${seconds} s`,
    );
  }

  private unexpected(error: unknown): MailRelayError {
    this.logger.error(
      `unexpected relay failure: ${error instanceof Error ? error.stack : String(error)}`,
    );
    return new MailRelayError(
      MailRelayErrorCode.UpstreamUnavailable,
      'temporary relay failure, try again later',
      { cause: error },
    );
  }

  private record(provider: string, outcome: MessageOutcome, startedAt: number): void {
    this.metrics.messages.inc({ provider, outcome });
    this.metrics.latency.observe({ provider, outcome }, (performance.now() - startedAt) / 1000);
  }
}
