import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { hostname } from 'node:os';
import { createTransport, type SMTPPoolOptions, type SMTPPoolSentMessageInfo } from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer';
import { MailUpstreamConfig } from '@libs/config';
import type { AccountRuntime } from '../accounts/account-runtime';
import { MailRelayError } from '../relay/relay.errors';
import { RelayMetrics } from '../relay/relay.metrics';
import { TokenManager } from '../tokens/token-manager.service';
import { sendRaw, type OutgoingMessage } from './raw-message';

type Transport = Mail<SMTPPoolSentMessageInfo, SMTPPoolOptions>;

interface Pool {
  readonly account: AccountRuntime;
  readonly transport: Transport;
  sending: number;
  closing: boolean;
}

/** RFC 5321 lets a server drop an idle client after 5 min; close ours before that. */
const MAX_CONNECTION_IDLE_MS = 240_000;

/**
 * One small nodemailer pool per account (XOAUTH2 with the account's token), kept in an LRU:
 * the least recently used pool is closed when the LRU is full, and a pool is closed after
 * `idleMs` without a message. A pool is never closed under a message being sent: it closes
 * once its last message is done.
 */
@Injectable()
export class UpstreamPools implements OnApplicationShutdown {
  private readonly logger = new Logger(UpstreamPools.name);
  readonly #lru: LRUCache<string, Pool>;

  constructor(
    private readonly config: MailUpstreamConfig,
    private readonly tokens: TokenManager,
    private readonly metrics: RelayMetrics,
  ) {
    this.#lru = new LRUCache<string, Pool>({
      max: config.pool.maxAccounts,
      ttl: config.pool.idleMs,
      ttlAutopurge: true,
      updateAgeOnGet: true,
      dispose: (pool) => this.retire(pool),
    });
  }

  get size(): number {
    return this.#lru.size;
  }

  /** Sends through the account's pool; rejects with nodemailer's error when the upstream refuses. */
  async send(account: AccountRuntime, message: OutgoingMessage): Promise<SMTPPoolSentMessageInfo> {
    const pool = this.poolFor(account);
    pool.sending++;
    this.metrics.upstreamMessages.inc({ provider: account.provider });
    try {
      return await sendRaw(pool.transport, message);
    } finally {
      pool.sending--;
      if (pool.closing && pool.sending === 0) this.close(pool);
    }
  }

  /** Closes every pool, each once its messages are done (app.close(), after the SMTP drain). */
  onApplicationShutdown(): void {
    this.#lru.clear();
  }

  private poolFor(account: AccountRuntime): Pool {
    const current = this.#lru.get(account.email);
    if (current?.account === account) return current;
    const pool: Pool = {
      account,
      transport: this.createTransport(account),
      sending: 0,
      closing: false,
    };
    this.#lru.set(account.email, pool);
    account.onDispose(() => {
      if (this.#lru.get(account.email) === pool) this.#lru.delete(account.email);
      else this.retire(pool);
    });
    this.metrics.pools.set(this.#lru.size);
    return pool;
  }

  private retire(pool: Pool): void {
    if (pool.closing) return;
    pool.closing = true;
    if (pool.sending === 0) this.close(pool);
    queueMicrotask(() => this.metrics.pools.set(this.#lru.size));
  }

  /** Ends the pool's connections (QUIT); called only when no message is in flight on it. */
  private close(pool: Pool): void {
    pool.transport.close();
  }

  private createTransport(account: AccountRuntime): Transport {
    const endpoint = this.config.providers[account.provider];
    const { provider, email } = account;
    const options: SMTPPoolOptions & { pool: true } = {
      pool: true,
      host: endpoint.smtpHost,
      port: endpoint.smtpPort,
      secure: endpoint.tls === 'tls',
      requireTLS: endpoint.tls === 'starttls',
      ignoreTLS: endpoint.tls === 'none',
      tls: { minVersion: 'TLSv1.2', servername: endpoint.smtpHost },
      name: hostname(),
      maxConnections: this.config.pool.connections,
      maxRequeues: 1,
      idleTimeout: Math.min(this.config.pool.idleMs, MAX_CONNECTION_IDLE_MS),
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 60_000,
      disableFileAccess: true,
      disableUrlAccess: true,
      logger: false,
      getSocket: (_options, callback) => {
        this.metrics.connectionsOpened.inc({ provider });
        callback(null, false);
      },
      auth: {
        type: 'OAuth2',
        user: email,
        provisionCallback: (_user, renew, callback) => {
          const token = renew ? this.tokens.renew(account) : this.tokens.accessToken(account);
          token.then(
            (accessToken) => callback(null, accessToken),
            (error: unknown) => callback(tokenFailure(error)),
          );
        },
      },
    };
    return createTransport(options);
  }
}

/** nodemailer rewrites the code of the error it is given: hand it a fresh one. */
function tokenFailure(error: unknown): Error {
  const failure = new Error('access token unavailable');
  if (error instanceof MailRelayError) Object.assign(failure, { relayError: error });
  return failure;
}
