import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { newEventId } from './event-id';
import type { RedisConfig } from '@libs/config';
import { RemoteError } from '@libs/models';
import { correlationIdOrNew } from '@libs/observability';
import { closeRedis, createRedis, Keyspace } from '@libs/redis';
import { Backoff, settlesWithin } from './backoff';
import { BlockingReader, createBlockingRedis } from './blocking-reader';
import { envelopeFields, fieldsToRecord } from './envelope';
import { RpcClosedError, RpcTimeoutError } from './messaging.errors';
import { RPC_REPLY_TYPE, type RpcReply } from './rpc-responder';
import { readAfter, type RawEntry } from './stream-commands';
import { DEFAULT_MAX_LEN, Streams } from './streams';

export interface RpcClientOptions {
  redis: RedisConfig;
  /** Names this process's reply stream (`Streams.rpcReply(instanceId)`). */
  instanceId: string;
  /** Default per-request timeout (default 5 000 ms). */
  timeoutMs?: number;
  /** Reply stream TTL, refreshed every third of it while the client lives (default 60 s). */
  replyTtlSeconds?: number;
  /** `MAXLEN ~` of request XADDs (default 100 000). */
  requestMaxLen?: number;
  blockMs?: number;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

const REPLY_READ_COUNT = 500;

/**
 * Request/response over streams: requests go to `Streams.rpc(service)` with a deadline, replies
 * come back on this instance's own reply stream, which lives (EXPIRE refreshed) as long as the
 * client and is deleted on close. Rejects with `RemoteError` (the server's `{ code, message }`)
 * or `RpcTimeoutError`. Connects on first use.
 */
export class RpcClient {
  private readonly logger = new Logger(RpcClient.name);
  private readonly keyspace: Keyspace;
  private readonly replyStream: string;
  private readonly replyKey: string;
  private readonly pending = new Map<string, Pending>();
  private readonly stop = new AbortController();
  private redis: Redis | undefined;
  private reader: BlockingReader | undefined;
  private started: Promise<void> | undefined;
  private loop: Promise<void> = Promise.resolve();
  private refreshTimer: NodeJS.Timeout | undefined;
  private lastId = '0-0';
  private closing: Promise<void> | undefined;

  constructor(private readonly options: RpcClientOptions) {
    this.keyspace = new Keyspace(options.redis.keyPrefix);
    this.replyStream = Streams.rpcReply(options.instanceId);
    this.replyKey = this.keyspace.key(this.replyStream);
  }

  /** Calls `pattern` on `service`; resolves with the handler's result. */
  async request<R>(
    service: string,
    pattern: string,
    payload: unknown,
    options: { timeoutMs?: number } = {},
  ): Promise<R> {
    if (this.closing) throw new RpcClosedError();
    await this.start();
    const timeoutMs = options.timeoutMs ?? this.options.timeoutMs ?? 5_000;
    const id = newEventId();
    const reply = new Promise<R>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new RpcTimeoutError(service, pattern, timeoutMs));
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer });
    });
    // The timer may reject before the caller awaits: mark the promise handled meanwhile.
    reply.catch(() => undefined);
    try {
      await this.send(service, pattern, payload, id, Date.now() + timeoutMs);
    } catch (error) {
      this.settle(id, (p) => p.reject(error instanceof Error ? error : new Error(String(error))));
    }
    return reply;
  }

  /** Fails waiting requests, stops reading, deletes the reply stream. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private send(service: string, pattern: string, payload: unknown, id: string, deadline: number) {
    const fields = envelopeFields(
      {
        id,
        type: pattern,
        payload,
        occurredAt: new Date().toISOString(),
        correlationId: correlationIdOrNew(),
        replyTo: this.replyStream,
        deadline,
      },
      JSON.stringify(payload ?? null),
    );
    const key = this.keyspace.key(Streams.rpc(service));
    const maxLen = this.options.requestMaxLen ?? DEFAULT_MAX_LEN;
    return this.connection().xadd(key, 'MAXLEN', '~', maxLen, '*', ...fields);
  }

  private start(): Promise<void> {
    this.started ??= this.open().catch((error: unknown) => {
      this.started = undefined;
      throw error;
    });
    return this.started;
  }

  private async open(): Promise<void> {
    const redis = this.connection();
    await this.createReplyStream(redis);
    const blockMs = this.options.blockMs ?? 5_000;
    const name = `rpc-reply:${this.options.instanceId}`;
    this.reader = new BlockingReader(createBlockingRedis(this.options.redis, name, blockMs), redis);
    this.loop = this.readReplies(blockMs);
    this.scheduleRefresh();
  }

  private connection(): Redis {
    this.redis ??= createRedis(this.options.redis);
    return this.redis;
  }

  /** Creates the reply stream with a TTL; servers reply with NOMKSTREAM, so it must exist. */
  private async createReplyStream(redis: Redis): Promise<void> {
    const id = await redis.xadd(this.replyKey, 'MAXLEN', '~', 1_000, '*', 'type', 'rpc.open');
    await redis.expire(this.replyKey, this.ttlSeconds());
    // Read from the marker on: replies can never arrive before the stream existed.
    if (this.lastId === '0-0' && id) this.lastId = id;
  }

  private ttlSeconds(): number {
    return this.options.replyTtlSeconds ?? 60;
  }

  private scheduleRefresh(): void {
    this.refreshTimer = setTimeout(
      () => {
        void this.refresh().finally(() => {
          if (!this.stop.signal.aborted) this.scheduleRefresh();
        });
      },
      (this.ttlSeconds() * 1000) / 3,
    );
  }

  /** Keeps the reply stream alive; recreates it when it vanished (Redis restart, expiry). */
  private async refresh(): Promise<void> {
    try {
      const redis = this.connection();
      const kept = await redis.expire(this.replyKey, this.ttlSeconds());
      if (kept === 0) await this.createReplyStream(redis);
    } catch (error) {
      this.logger.warn({ err: String(error) }, 'could not refresh the reply stream');
    }
  }

  private async readReplies(blockMs: number): Promise<void> {
    const backoff = new Backoff();
    while (!this.stop.signal.aborted) {
      try {
        const entries = await this.reader!.read((conn) =>
          readAfter(conn, this.replyKey, this.lastId, REPLY_READ_COUNT, blockMs),
        );
        backoff.reset();
        for (const entry of entries) this.deliver(entry);
        if (entries.length > 0) {
          this.lastId = entries[entries.length - 1][0];
          this.forget(entries);
        }
      } catch (error) {
        if (this.stop.signal.aborted) return;
        this.logger.warn({ err: String(error) }, 'reading replies failed; backing off');
        await backoff.wait(this.stop.signal);
      }
    }
  }

  /**
   * Deletes replies once read: they may carry what a handler returned (decrypted credentials,
   * say), which must not wait in Redis for the stream's trimming. Best effort: the stream's TTL
   * and MAXLEN bound whatever a failed delete leaves.
   */
  private forget(entries: readonly RawEntry[]): void {
    this.connection()
      .xdel(this.replyKey, ...entries.map(([id]) => id))
      .catch(() => undefined);
  }

  private deliver([, fields]: RawEntry): void {
    if (!fields) return;
    const record = fieldsToRecord(fields);
    if (record.type !== RPC_REPLY_TYPE || !record.requestId) return;
    let reply: RpcReply;
    try {
      reply = JSON.parse(record.payload) as RpcReply;
    } catch {
      this.settle(record.requestId, (p) => p.reject(new Error('unreadable RPC reply')));
      return;
    }
    this.settle(record.requestId, (p) =>
      reply.ok ? p.resolve(reply.data) : p.reject(RemoteError.from(reply.error)),
    );
  }

  private settle(id: string, outcome: (pending: Pending) => void): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    this.pending.delete(id);
    clearTimeout(pending.timer);
    outcome(pending);
  }

  private async shutdown(): Promise<void> {
    this.stop.abort();
    clearTimeout(this.refreshTimer);
    for (const id of [...this.pending.keys()])
      this.settle(id, (p) => p.reject(new RpcClosedError()));
    await this.started?.catch(() => undefined);
    this.reader?.disconnect();
    // A read queued while ioredis reconnects never settles after a disconnect: bound the wait.
    await settlesWithin(this.loop, 1_000);
    if (this.redis) {
      const redis = this.redis;
      await settlesWithin(redis.del(this.replyKey), 1_000);
      if (!(await settlesWithin(closeRedis(redis), 1_000))) redis.disconnect();
    }
  }
}
