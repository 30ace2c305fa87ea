import { Inject, Injectable, Optional } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { newEventId } from './event-id';
import { correlationIdOrNew, SECRET_FIELDS } from '@libs/observability';
import { Keyspace, REDIS } from '@libs/redis';
import { envelopeFields, type Envelope } from './envelope';
import { DEFAULT_MAX_LEN } from './streams';

/** DI token of the default `MAXLEN ~` of a `StreamPublisher` (DEFAULT_MAX_LEN when absent). */
export const STREAM_MAX_LEN = Symbol('STREAM_MAX_LEN');

export interface PublishOptions {
  /** Event id; a new UUIDv7 by default (pass the outbox row's id to keep relays idempotent). */
  id?: string;
  /** Defaults to the correlation id of the work in progress, or a new one. */
  correlationId?: string;
  /** Defaults to now. */
  occurredAt?: string;
  traceparent?: string;
  /** `MAXLEN ~` of this XADD. */
  maxLen?: number;
}

/** One event of a `publishMany` call. */
export interface PublishRequest<P extends object = object> extends Omit<PublishOptions, 'maxLen'> {
  type: string;
  payload: P;
}

/** The XADD of a client or a pipeline (ioredis types them apart; the arguments are the same). */
type XaddTarget = { xadd(...args: (string | number)[]): unknown };

const SECRET_KEYS: ReadonlySet<string> = new Set(SECRET_FIELDS);

/**
 * Appends envelopes to streams with `MAXLEN ~` on every XADD. Payloads must never carry
 * secrets: a payload with a secret-named top-level field is refused before it is written.
 */
@Injectable()
export class StreamPublisher {
  private readonly maxLen: number;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly keyspace: Keyspace,
    @Optional() @Inject(STREAM_MAX_LEN) maxLen?: number,
  ) {
    this.maxLen = maxLen ?? DEFAULT_MAX_LEN;
  }

  /** Appends one event; resolves with the Redis entry id. */
  async publish<P extends object>(
    stream: string,
    type: string,
    payload: P,
    options: PublishOptions = {},
  ): Promise<string> {
    const fields = this.fields({ ...options, type, payload });
    return (await this.xadd(
      this.redis as XaddTarget,
      stream,
      options.maxLen,
      fields,
    )) as Promise<string>;
  }

  /** Appends several events to one stream in one pipelined round trip; ids in input order. */
  async publishMany<P extends object>(
    stream: string,
    events: readonly PublishRequest<P>[],
    options: { maxLen?: number } = {},
  ): Promise<string[]> {
    if (events.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const event of events) {
      this.xadd(pipeline as XaddTarget, stream, options.maxLen, this.fields(event));
    }
    const results = (await pipeline.exec()) ?? [];
    return results.map(([error, id]) => {
      if (error) throw error;
      return id as string;
    });
  }

  /** A publisher bound to one stream whose event types and payloads the compiler checks. */
  forStream<M extends Record<keyof M, object>>(stream: string): TypedStreamPublisher<M> {
    return new TypedStreamPublisher<M>(this, stream);
  }

  private xadd(
    target: XaddTarget,
    stream: string,
    maxLen: number | undefined,
    fields: string[],
  ): unknown {
    const key = this.keyspace.key(stream);
    return target.xadd(key, 'MAXLEN', '~', maxLen ?? this.maxLen, '*', ...fields);
  }

  private fields(request: PublishRequest): string[] {
    assertNoSecrets(request.type, request.payload);
    const envelope: Envelope = {
      id: request.id ?? newEventId(),
      type: request.type,
      payload: request.payload,
      occurredAt: request.occurredAt ?? new Date().toISOString(),
      correlationId: request.correlationId ?? correlationIdOrNew(),
      traceparent: request.traceparent,
    };
    return envelopeFields(envelope, JSON.stringify(request.payload));
  }
}

/** `StreamPublisher` narrowed to one stream and its event map (type → payload). */
export class TypedStreamPublisher<M extends Record<keyof M, object>> {
  constructor(
    private readonly publisher: StreamPublisher,
    readonly stream: string,
  ) {}

  publish<K extends keyof M & string>(
    type: K,
    payload: M[K],
    options?: PublishOptions,
  ): Promise<string> {
    return this.publisher.publish(this.stream, type, payload, options);
  }
}

/** Refuses payloads whose top-level fields are named like secrets (DESIGN: hashes only). */
export function assertNoSecrets(type: string, payload: object): void {
  for (const key in payload) {
    if (SECRET_KEYS.has(key)) throw new Error(`refusing to publish ${type}: field "${key}"`);
  }
}
