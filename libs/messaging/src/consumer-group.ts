import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { RedisConfig } from '@libs/config';
import type { Keyspace } from '@libs/redis';
import { Backoff, settlesWithin } from './backoff';
import type { ResolvedGroupOptions } from './consumer-group.options';
import { EntrySettler, type BatchDispatcher, type GroupContext } from './entry-settler';
import type { MessagingMetrics } from './messaging.metrics';
import { PendingReclaimer } from './pending-reclaimer';
import { BlockingReader, createBlockingRedis } from './blocking-reader';
import {
  deleteIdleConsumer,
  ensureGroup,
  errorMessage,
  isNoGroupError,
  readGroup,
} from './stream-commands';
import { Streams } from './streams';

/** Bound on the goodbye commands of a closing consumer (Redis may be unreachable). */
const LEAVE_TIMEOUT_MS = 1_000;

export interface ConsumerGroupDeps {
  redis: Redis;
  redisConfig: RedisConfig;
  keyspace: Keyspace;
  metrics: MessagingMetrics;
}

/**
 * One consumer of one group: drains its own pending entries, then reads new ones on its own
 * blocking connection, sweeps idle entries of the group periodically, recreates the group when
 * Redis answers NOGROUP, and backs off after every failure so an outage never spins a core.
 */
export class ConsumerGroup {
  private readonly ctx: GroupContext;
  private readonly settler: EntrySettler;
  private readonly reclaimer: PendingReclaimer;
  private readonly reader: BlockingReader;
  private readonly stop = new AbortController();
  private readonly backoff = new Backoff();
  private readonly inFlight = new Set<Promise<unknown>>();
  /** Batches being settled, and the first failure of one not reported to the loop yet. */
  private readonly batches = new Set<Promise<void>>();
  private batchFailure: unknown;
  private readonly unwatch: () => void;
  private loop: Promise<void> = Promise.resolve();
  private sweepTimer: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;
  private readyResolve!: () => void;
  /** Resolves once the group exists and the own pending list was drained. */
  readonly ready = new Promise<void>((resolve) => (this.readyResolve = resolve));

  constructor(
    deps: ConsumerGroupDeps,
    readonly options: ResolvedGroupOptions,
    dispatch: BatchDispatcher,
  ) {
    const key = deps.keyspace.key(options.stream);
    const logger = new Logger(`ConsumerGroup ${options.stream}/${options.group}`);
    this.ctx = { ...deps, key, options, logger };
    this.settler = new EntrySettler(this.ctx, dispatch);
    this.reclaimer = new PendingReclaimer(this.ctx, this.settler);
    this.reader = new BlockingReader(
      createBlockingRedis(
        deps.redisConfig,
        `${options.group}:${options.consumer}`,
        options.blockMs,
      ),
      deps.redis,
    );
    this.unwatch = deps.metrics.watch({
      redis: deps.redis,
      key,
      dlqKey: deps.keyspace.key(Streams.dlq(options.stream)),
      stream: options.stream,
      group: options.group,
    });
  }

  start(): void {
    this.loop = this.run();
  }

  /** Stops reading, lets in-flight entries finish and be acked within `timeoutMs`, disconnects. */
  close(timeoutMs: number): Promise<void> {
    this.closing ??= this.shutdown(timeoutMs);
    return this.closing;
  }

  private async run(): Promise<void> {
    await this.initialize();
    while (!this.stop.signal.aborted) {
      try {
        const { key, options } = this.ctx;
        const entries = await this.reader.read((conn) =>
          readGroup(
            conn,
            key,
            options.group,
            options.consumer,
            options.batchSize,
            '>',
            options.blockMs,
          ),
        );
        this.backoff.reset();
        // A batch read as shutdown begins is still handled and acked: it is ours now.
        if (entries.length > 0) await this.settleInTurn(entries);
      } catch (error) {
        if (this.stop.signal.aborted) break;
        await this.recover(error);
      }
    }
  }

  /**
   * Starts settling a batch and returns once fewer than `batchesInFlight` are in flight; throws
   * the failure of a finished batch so the loop backs off as it would with one batch at a time.
   */
  private async settleInTurn(entries: Parameters<EntrySettler['settle']>[0]): Promise<void> {
    const batch: Promise<void> = this.track(this.settler.settle(entries)).then(
      () => {
        this.batches.delete(batch);
      },
      (error: unknown) => {
        this.batches.delete(batch);
        this.batchFailure ??= error ?? new Error('batch failed');
      },
    );
    this.batches.add(batch);
    if (this.batches.size >= this.options.batchesInFlight) await Promise.race(this.batches);
    const failure = this.batchFailure;
    this.batchFailure = undefined;
    if (failure !== undefined) throw failure;
  }

  /** Creates the group and drains the own pending list, retrying with backoff until it works. */
  private async initialize(): Promise<void> {
    while (!this.stop.signal.aborted) {
      try {
        await this.createGroup();
        await this.track(this.reclaimer.drainOwn());
        this.backoff.reset();
        this.readyResolve();
        this.scheduleSweep();
        return;
      } catch (error) {
        this.countError(error, 'could not prepare the group');
        await this.backoff.wait(this.stop.signal);
      }
    }
  }

  private createGroup(): Promise<void> {
    const { redis, key, options } = this.ctx;
    return ensureGroup(redis, key, options.group, options.startId);
  }

  private async recover(error: unknown): Promise<void> {
    const { metrics, options, logger } = this.ctx;
    if (isNoGroupError(error)) {
      metrics.noGroupRecoveries.labels(options.stream, options.group).inc();
      logger.warn('stream or group vanished (NOGROUP): recreating the group');
      try {
        await this.createGroup();
      } catch (createError) {
        this.countError(createError, 'could not recreate the group');
      }
    } else {
      this.countError(error, 'stream read failed');
    }
    await this.backoff.wait(this.stop.signal);
  }

  private countError(error: unknown, what: string): void {
    const { metrics, options, logger } = this.ctx;
    metrics.consumerErrors.labels(options.stream, options.group).inc();
    logger.warn({ err: errorMessage(error) }, `${what}; backing off`);
  }

  private scheduleSweep(): void {
    if (this.stop.signal.aborted) return;
    this.sweepTimer = setTimeout(() => {
      const sweep = this.reclaimer.sweep().catch((error: unknown) => {
        this.countError(error, 'reclaim sweep failed');
      });
      void this.track(sweep).finally(() => this.scheduleSweep());
    }, this.options.claimIntervalMs);
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    const forget = () => this.inFlight.delete(work);
    work.then(forget, forget);
    return work;
  }

  private async shutdown(timeoutMs: number): Promise<void> {
    this.stop.abort();
    clearTimeout(this.sweepTimer);
    await this.reader.interrupt();
    const finished = Promise.all([this.loop, ...this.inFlight]).then(() =>
      this.settler.flushAcks(),
    );
    const drained = await settlesWithin(finished, timeoutMs);
    this.unwatch();
    if (drained) {
      await settlesWithin(this.leaveGroupIfIdle(), LEAVE_TIMEOUT_MS);
      if (!(await settlesWithin(this.reader.close(), LEAVE_TIMEOUT_MS))) this.reader.disconnect();
      return;
    }
    this.ctx.logger.warn(
      `entries still in flight after ${timeoutMs} ms: they stay pending and will be reclaimed`,
    );
    this.reader.disconnect();
  }

  /** Removes this consumer from the group when it owns nothing, so dead names do not pile up. */
  private async leaveGroupIfIdle(): Promise<void> {
    const { redis, key, options } = this.ctx;
    try {
      await deleteIdleConsumer(redis, key, options.group, options.consumer);
    } catch {
      // Best effort: a leftover name owns nothing; another consumer's sweep removes it later.
    }
  }
}
