import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { RedisConfig } from '@libs/config';
import { Keyspace } from '@libs/redis';
import { Backoff, settlesWithin } from './backoff';
import { BlockingReader, createBlockingRedis } from './blocking-reader';
import { decodeEnvelope, type ReceivedMessage } from './envelope';
import { errorMessage, readAfter, type RawEntry } from './stream-commands';
import { streamPosition } from './stream-position';

const CLOSE_WAIT_MS = 1_000;

/** Why a subscriber may have missed entries (its caches must then start over). */
export type GapReason = 'trimmed' | 'stream-missing' | 'disconnected';

export interface FanoutHandlers {
  /** New entries, in stream order. Entries that are not valid envelopes are skipped. */
  onEntries(messages: ReceivedMessage[]): void | Promise<void>;
  /** Entries may have been missed: clear whatever they would have invalidated. */
  onGap(reason: GapReason): void;
  /** The tail stopped (false) or resumed (true) following the stream. */
  onHealth?(healthy: boolean): void;
}

export interface FanoutOptions {
  redis: RedisConfig;
  /** Logical stream name. */
  stream: string;
  handlers: FanoutHandlers;
  /** How long one XREAD blocks (default 5 000). */
  blockMs?: number;
  /** A disconnection longer than this reports a gap (default 5 000). */
  maxDisconnectMs?: number;
  /** Entries per read (default 500). */
  count?: number;
}

/**
 * Every subscriber sees every entry (no consumer group): tails a stream with XREAD BLOCK from
 * the position it had when started, keeps its last id across reconnects, and reports gaps —
 * entries trimmed before it read them, the stream deleted, or a disconnection longer than
 * `maxDisconnectMs` — so caches can be cleared instead of served stale.
 */
export class FanoutSubscription {
  private readonly logger: Logger;
  private readonly key: string;
  private readonly stop = new AbortController();
  private readonly backoff = new Backoff();
  private reader: BlockingReader | undefined;
  private redis: Redis | undefined;
  private lastId: string | undefined;
  private streamSeen = false;
  private isHealthy = false;
  private disconnectTimer: NodeJS.Timeout | undefined;
  private loop: Promise<void> = Promise.resolve();
  private closing: Promise<void> | undefined;

  constructor(private readonly options: FanoutOptions) {
    this.key = new Keyspace(options.redis.keyPrefix).key(options.stream);
    this.logger = new Logger(`FanoutSubscription ${options.stream}`);
  }

  /** True while the tail follows the stream. */
  get healthy(): boolean {
    return this.isHealthy;
  }

  /** Connects and starts from the stream's current end (resolves even when Redis is down). */
  async start(): Promise<void> {
    const blockMs = this.options.blockMs ?? 5_000;
    this.redis = createBlockingRedis(this.options.redis, `fanout:${this.options.stream}`, blockMs);
    this.reader = new BlockingReader(this.redis, this.redis);
    this.redis.on('close', () => this.markUnhealthy());
    try {
      await this.check();
      // Connected and positioned: healthy now, not only once the first blocking read returns
      // (an idle stream would otherwise keep a cache bypassed for a whole block period).
      this.markHealthy();
    } catch (error) {
      this.markUnhealthy();
      this.logger.warn({ err: errorMessage(error) }, 'cannot read the stream yet; retrying');
    }
    this.loop = this.run(blockMs);
  }

  /** Stops tailing and disconnects. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.stop.abort();
      clearTimeout(this.disconnectTimer);
      this.redis?.disconnect();
      // A read queued while ioredis reconnects never settles after a disconnect: bound the wait.
      await settlesWithin(this.loop, CLOSE_WAIT_MS);
    })();
    return this.closing;
  }

  private async run(blockMs: number): Promise<void> {
    while (!this.stop.signal.aborted) {
      try {
        await this.check();
        const after = this.lastId as string;
        const entries = await this.reader!.read((conn) =>
          readAfter(conn, this.key, after, this.options.count ?? 500, blockMs),
        );
        this.markHealthy();
        this.backoff.reset();
        if (entries.length > 0) await this.deliver(entries);
      } catch (error) {
        if (this.stop.signal.aborted) return;
        this.markUnhealthy();
        this.logger.warn({ err: errorMessage(error) }, 'tail failed; backing off');
        await this.backoff.wait(this.stop.signal);
      }
    }
  }

  /**
   * Before each read: positions a fresh tail at the stream's end, and reports a gap when the
   * stream vanished or entries newer than the last one read were deleted (trimmed) unread.
   */
  private async check(): Promise<void> {
    const position = await streamPosition(this.redis!, this.key);
    if (!position) {
      if (this.streamSeen) this.gap('stream-missing');
      this.streamSeen = false;
      // Whatever is published once the stream exists again is new to this subscriber.
      this.lastId = '0-0';
      return;
    }
    this.streamSeen = true;
    if (this.lastId === undefined) {
      this.lastId = position.lastGeneratedId;
    } else if (position.deletedAfter(this.lastId)) {
      this.gap('trimmed');
      this.lastId = position.resumeAfterGap(this.lastId);
    }
  }

  private async deliver(entries: readonly RawEntry[]): Promise<void> {
    const messages: ReceivedMessage[] = [];
    for (const [entryId, fields] of entries) {
      if (!fields) continue;
      try {
        messages.push({
          entryId,
          stream: this.options.stream,
          envelope: decodeEnvelope(fields),
          deliveries: 1,
        });
      } catch (error) {
        this.logger.warn({ entryId, err: errorMessage(error) }, 'skipping an unparseable entry');
      }
    }
    this.lastId = entries[entries.length - 1][0];
    if (messages.length === 0) return;
    try {
      await this.options.handlers.onEntries(messages);
    } catch (error) {
      this.logger.error({ err: errorMessage(error) }, 'onEntries failed');
    }
  }

  private gap(reason: GapReason): void {
    this.logger.warn(`entries may have been missed (${reason})`);
    try {
      this.options.handlers.onGap(reason);
    } catch (error) {
      this.logger.error({ err: errorMessage(error) }, 'onGap failed');
    }
  }

  private markHealthy(): void {
    clearTimeout(this.disconnectTimer);
    this.disconnectTimer = undefined;
    if (this.isHealthy) return;
    this.isHealthy = true;
    this.options.handlers.onHealth?.(true);
  }

  private markUnhealthy(): void {
    if (this.stop.signal.aborted) return;
    if (this.isHealthy) {
      this.isHealthy = false;
      this.options.handlers.onHealth?.(false);
    }
    this.disconnectTimer ??= setTimeout(
      () => this.gap('disconnected'),
      this.options.maxDisconnectMs ?? 5_000,
    );
  }
}
