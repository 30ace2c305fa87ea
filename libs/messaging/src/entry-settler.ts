import { HttpException, HttpStatus, type Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { Keyspace } from '@libs/redis';
import type { ResolvedGroupOptions } from './consumer-group.options';
import { writeDeadLetter } from './dead-letters';
import { decodeEnvelope, fieldsToRecord, type ReceivedMessage } from './envelope';
import { NonRetryableError } from './messaging.errors';
import type { MessagingMetrics } from './messaging.metrics';
import type { RawEntry } from './stream-commands';

/** Hands decoded entries to handlers; resolves with the entries that failed, by entry id. */
export type BatchDispatcher = (
  messages: ReceivedMessage[],
  options: ResolvedGroupOptions,
) => Promise<ReadonlyMap<string, Error>>;

/** What a consumer group's parts share. */
export interface GroupContext {
  /** Command connection (never used for blocking reads). */
  redis: Redis;
  keyspace: Keyspace;
  /** Redis key of the stream. */
  key: string;
  options: ResolvedGroupOptions;
  metrics: MessagingMetrics;
  logger: Logger;
}

type DeadReason = 'unparseable' | 'non_retryable' | 'max_deliveries';

interface Doomed {
  entryId: string;
  fields: string[];
  deliveries: number;
  error: string;
  reason: DeadReason;
}

const NONE: ReadonlyMap<string, Error> = new Map();

/** A Nest ValidationPipe failure is as final as a NonRetryableError: retrying cannot fix input. */
export function isNonRetryable(error: unknown): boolean {
  return (
    error instanceof NonRetryableError ||
    (error instanceof HttpException && error.getStatus() === HttpStatus.BAD_REQUEST)
  );
}

/**
 * Settles delivered entries: decodes them, dispatches the valid ones, dead-letters the
 * unparseable, the non-retryable and those out of deliveries (DLQ write first, then XACK:
 * a crash between leaves a duplicate dead letter, never a lost entry), acks the successes, and
 * leaves retryable failures pending for the reclaim sweep.
 */
export class EntrySettler {
  private readonly acks = new Set<Promise<void>>();

  constructor(
    private readonly ctx: GroupContext,
    private readonly dispatch: BatchDispatcher,
  ) {}

  /** `deliveries` maps entry ids to their delivery counts; absent ids were delivered once. */
  async settle(
    entries: readonly RawEntry[],
    deliveries?: ReadonlyMap<string, number>,
  ): Promise<void> {
    const batch = this.decode(entries, deliveries);
    const { messages, raw, ack, doomed } = batch;
    const failed = messages.length > 0 ? await this.safeDispatch(messages) : NONE;
    this.classify(messages, raw, failed, ack, doomed);
    // Successes first: a failing DLQ write must not hold back their acks.
    if (ack.length > 0) this.ack(ack);
    if (doomed.length > 0) await this.deadLetter(doomed);
  }

  /** Splits entries into envelopes to dispatch, entries to ack as they are, and the doomed. */
  private decode(entries: readonly RawEntry[], deliveries?: ReadonlyMap<string, number>) {
    const { maxDeliveries } = this.ctx.options;
    const batch = {
      messages: [] as ReceivedMessage[],
      raw: [] as string[][],
      ack: [] as string[],
      doomed: [] as Doomed[],
    };
    for (const [entryId, fields] of entries) {
      // Deleted from the stream while pending: nothing left to handle.
      if (fields === null) {
        batch.ack.push(entryId);
        continue;
      }
      const count = deliveries?.get(entryId) ?? 1;
      if (count > maxDeliveries) {
        const error = `still failing after ${maxDeliveries} deliveries`;
        batch.doomed.push({ entryId, fields, deliveries: count, error, reason: 'max_deliveries' });
        continue;
      }
      try {
        batch.messages.push(this.toMessage(entryId, fields, count));
        batch.raw.push(fields);
      } catch (error) {
        const reason = 'unparseable';
        batch.doomed.push({ entryId, fields, deliveries: count, error: describe(error), reason });
      }
    }
    return batch;
  }

  /** Waits until every XACK sent so far has been answered. */
  async flushAcks(): Promise<void> {
    await Promise.all(this.acks);
  }

  /**
   * Sends an XACK without waiting for it, so the next read overlaps its round trip. A failed
   * ack leaves the entries pending: they are redelivered later, which idempotent handlers absorb.
   */
  private ack(ids: string[]): void {
    const { redis, key, options, metrics, logger } = this.ctx;
    const acked = options.deleteOnAck
      ? redis
          .pipeline()
          .xack(key, options.group, ...ids)
          .xdel(key, ...ids)
          .exec()
          .then((results) => {
            const failure = results?.find(([error]) => error)?.[0];
            if (failure) throw failure;
          })
      : redis.xack(key, options.group, ...ids);
    const sent = acked.then(
      () => undefined,
      (error: unknown) => {
        metrics.consumerErrors.labels(options.stream, options.group).inc();
        logger.warn(
          { err: describe(error), entries: ids.length },
          'XACK failed; entries stay pending',
        );
      },
    );
    this.acks.add(sent);
    void sent.then(() => this.acks.delete(sent));
  }

  private toMessage(entryId: string, fields: string[], deliveries: number): ReceivedMessage {
    return {
      entryId,
      stream: this.ctx.options.stream,
      envelope: decodeEnvelope(fields),
      deliveries,
    };
  }

  private async safeDispatch(messages: ReceivedMessage[]): Promise<ReadonlyMap<string, Error>> {
    try {
      return await this.dispatch(messages, this.ctx.options);
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      return new Map(messages.map((m) => [m.entryId, failure]));
    }
  }

  private classify(
    messages: readonly ReceivedMessage[],
    raw: readonly string[][],
    failed: ReadonlyMap<string, Error>,
    ack: string[],
    doomed: Doomed[],
  ): void {
    const { maxDeliveries } = this.ctx.options;
    for (let i = 0; i < messages.length; i++) {
      const { entryId, deliveries, envelope } = messages[i];
      const error = failed.size > 0 ? failed.get(entryId) : undefined;
      if (!error) {
        ack.push(entryId);
        continue;
      }
      const final = isNonRetryable(error);
      if (final || deliveries >= maxDeliveries) {
        const reason = final ? 'non_retryable' : 'max_deliveries';
        doomed.push({ entryId, fields: raw[i], deliveries, error: describe(error), reason });
      } else {
        this.ctx.logger.warn(
          { entryId, type: envelope.type, eventId: envelope.id, deliveries, err: describe(error) },
          'handler failed; the entry stays pending for a retry',
        );
      }
    }
  }

  /** Writes each dead letter, then acks it (a crash in between duplicates it, never loses it). */
  private async deadLetter(doomed: readonly Doomed[]): Promise<void> {
    const { redis, keyspace, options, metrics, logger } = this.ctx;
    for (const letter of doomed) {
      const { entryId, fields, deliveries, error, reason } = letter;
      await writeDeadLetter(
        redis,
        keyspace,
        {
          originalId: entryId,
          stream: options.stream,
          group: options.group,
          deliveries,
          error,
          fields: fieldsToRecord(fields),
        },
        options.dlqMaxLen,
      );
      this.ack([entryId]);
      metrics.deadLettered.labels(options.stream, options.group, reason).inc();
      logger.warn(
        { entryId, deliveries, reason, err: error },
        'entry moved to the dead-letter stream',
      );
    }
  }
}

/** An error as a dead letter records it (validation messages included, never a payload). */
function describe(error: unknown): string {
  if (error instanceof HttpException) {
    const { message } = error.getResponse() as { message?: unknown };
    const details = Array.isArray(message) ? `: ${message.join('; ')}` : '';
    return `${error.name}: ${error.message}${details}`;
  }
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
