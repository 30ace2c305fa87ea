import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { Histogram, Registry } from 'prom-client';
import { AppInfo, TokenFlushConfig } from '@libs/config';
import { Streams } from '@libs/messaging';
import { Keyspace, REDIS } from '@libs/redis';
import { IssuedTokenRepository } from './issued-token.repository';
import { parseRecordFields, type TokenRecord } from './token-record';

export const FLUSH_GROUP = 'token-flush';

type Entries = [id: string, fields: string[]][];

/** Concurrent batches of one flush (each holds a database connection while it inserts). */
const FLUSH_LANES = 2;

/**
 * Moves token records from the Redis stream buffer to PostgreSQL: read up to a batch through
 * a consumer group (concurrent flushers get disjoint entries), insert them in one statement,
 * and only after the commit XACK + XDEL them. A crash anywhere leaves the entries in Redis
 * for the next flush; the insert skips rows already stored.
 */
@Injectable()
export class TokenFlusher {
  private readonly logger = new Logger(TokenFlusher.name);
  private readonly stream: string;
  private readonly consumer: string;
  private readonly batchSize: Histogram;
  private readonly duration: Histogram;
  private groupReady = false;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    keyspace: Keyspace,
    app: AppInfo,
    private readonly config: TokenFlushConfig,
    private readonly tokens: IssuedTokenRepository,
    registry: Registry,
  ) {
    this.stream = keyspace.key(Streams.AuthIssuedTokens);
    this.consumer = app.instanceId;
    this.batchSize = new Histogram({
      name: 'auth_token_flush_batch_size',
      help: 'Token records written per flush',
      buckets: [1, 10, 100, 250, 500, 1000, 2500, 5000],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'auth_token_flush_duration_seconds',
      help: 'Duration of one flush batch (read, insert, ack)',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    });
  }

  /** Flushes one batch; resolves with the number of entries taken off the stream. */
  async flushBatch(): Promise<number> {
    const started = performance.now();
    await this.ensureGroup();
    const entries = await this.take(this.config.batch);
    if (entries.length === 0) return 0;
    const records = entries
      .map(([, fields]) => parseRecordFields(fields))
      .filter((r): r is TokenRecord => !!r);
    if (records.length < entries.length)
      this.logger.warn(`${entries.length - records.length} malformed token records dropped`);
    await this.tokens.insertMany(records);
    const ids = entries.map(([id]) => id);
    await this.redis
      .pipeline()
      .xack(this.stream, FLUSH_GROUP, ...ids)
      .xdel(this.stream, ...ids)
      .exec();
    this.batchSize.observe(records.length);
    this.duration.observe((performance.now() - started) / 1000);
    return entries.length;
  }

  /**
   * Flushes until the stream is empty (or `maxBatches` ran); used by flush jobs, on shutdown and
   * in tests. Two lanes run side by side, so one batch's insert overlaps the other's Redis read
   * and ack; the consumer group hands each lane different entries.
   */
  async flushAll(maxBatches = Number.POSITIVE_INFINITY): Promise<number> {
    let started = 0;
    let total = 0;
    const lane = async () => {
      while (started < maxBatches) {
        started += 1;
        const n = await this.flushBatch();
        total += n;
        if (n === 0) return;
      }
    };
    await Promise.all(Array.from({ length: FLUSH_LANES }, lane));
    return total;
  }

  /** Records in the buffer not yet in PostgreSQL. */
  async pending(): Promise<number> {
    return this.redis.xlen(this.stream);
  }

  private async take(count: number): Promise<Entries> {
    try {
      return await this.read(count);
    } catch (error) {
      // The stream (and its group) vanished, e.g. Redis restarted empty: recreate once.
      if (!String((error as Error).message).includes('NOGROUP')) throw error;
      this.groupReady = false;
      await this.ensureGroup();
      return this.read(count);
    }
  }

  private async read(count: number): Promise<Entries> {
    const [, claimed] = (await this.redis.xautoclaim(
      this.stream,
      FLUSH_GROUP,
      this.consumer,
      this.config.reclaimMs,
      '0-0',
      'COUNT',
      count,
    )) as [string, Entries];
    const live = claimed.filter(([, fields]) => fields !== null);
    if (live.length >= count) return live;
    const read = (await this.redis.xreadgroup(
      'GROUP',
      FLUSH_GROUP,
      this.consumer,
      'COUNT',
      count - live.length,
      'STREAMS',
      this.stream,
      '>',
    )) as [string, Entries][] | null;
    return [...live, ...(read?.[0]?.[1] ?? [])];
  }

  private async ensureGroup(): Promise<void> {
    if (this.groupReady) return;
    try {
      await this.redis.xgroup('CREATE', this.stream, FLUSH_GROUP, '0', 'MKSTREAM');
    } catch (error) {
      if (!String((error as Error).message).includes('BUSYGROUP')) throw error;
    }
    this.groupReady = true;
  }
}
