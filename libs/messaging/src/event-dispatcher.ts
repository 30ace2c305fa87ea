import type { MessageHandler } from '@nestjs/microservices';
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import { runWithCorrelationId } from '@libs/observability';
import type { ResolvedGroupOptions } from './consumer-group.options';
import type { ReceivedMessage } from './envelope';
import { isNonRetryable, type BatchDispatcher } from './entry-settler';
import { invokeHandler, SharedDeadline, toError } from './handler-invocation';
import { NonRetryableError } from './messaging.errors';
import type { MessagingMetrics } from './messaging.metrics';
import { validatePayload, type PayloadClass } from './payload-validation';
import { BatchContext, MessageContext } from './stream-context';

/** Options of `@EventPattern(pattern, extras)` this transport understands. */
export interface StreamHandlerExtras {
  /** The pattern is a logical stream name; the handler receives whole batches. */
  batch?: boolean;
  /** Payload class of a one-entry handler: invalid payloads are dead-lettered, never handled. */
  schema?: PayloadClass;
  /** Payload classes of a batch handler, by event type. */
  schemas?: Readonly<Record<string, PayloadClass>>;
}

/** What a batch handler resolves with: entries not in `failed` are acked. */
export interface BatchOutcome {
  failed?: Map<string, Error>;
}

/** Finds the handler registered for a pattern. */
export type HandlerLookup = (pattern: string) => MessageHandler | undefined;

const BATCH_TYPE_LABEL = '(batch)';
const UNKNOWN_TYPE_LABEL = '(unknown)';

/** Runs `@EventPattern` handlers for consumer groups: one entry at a time, or whole batches. */
export class EventDispatcher {
  constructor(
    private readonly handlers: HandlerLookup,
    private readonly metrics: MessagingMetrics,
  ) {}

  /** The dispatcher of a stream: its batch handler when one is registered, else per type. */
  forStream(stream: string): BatchDispatcher {
    const batch = this.handlers(stream);
    if (batch?.isEventHandler && extrasOf(batch).batch) {
      return (messages, options) => this.dispatchBatch(batch, messages, options);
    }
    return (messages, options) => this.dispatchEach(messages, options);
  }

  private async dispatchEach(
    messages: readonly ReceivedMessage[],
    options: ResolvedGroupOptions,
  ): Promise<Map<string, Error>> {
    const failed = new Map<string, Error>();
    const deadline = new SharedDeadline(options.handlerTimeoutMs);
    await Promise.all(
      messages.map((message) =>
        this.handleOne(message, deadline).then((error) => {
          if (error) failed.set(message.entryId, error);
        }),
      ),
    );
    deadline.cancel();
    return failed;
  }

  private async handleOne(
    message: ReceivedMessage,
    deadline: SharedDeadline,
  ): Promise<Error | undefined> {
    const started = performance.now();
    const { type, correlationId, payload } = message.envelope;
    const handler = this.handlers(type);
    let error: Error | undefined;
    if (!handler?.isEventHandler) {
      error = new NonRetryableError(`no handler for event type "${type}"`);
    } else {
      try {
        const schema = extrasOf(handler).schema;
        const data = schema ? await validatePayload(schema, payload) : payload;
        const context = new MessageContext(message);
        await deadline.race(
          runWithCorrelationId(correlationId, () => invokeHandler(handler, data, context)),
        );
      } catch (thrown) {
        error = toError(thrown);
      }
    }
    const label = handler?.isEventHandler ? type : UNKNOWN_TYPE_LABEL;
    this.observe(message.stream, label, error, started);
    return error;
  }

  private async dispatchBatch(
    handler: MessageHandler,
    messages: readonly ReceivedMessage[],
    options: ResolvedGroupOptions,
  ): Promise<Map<string, Error>> {
    const started = performance.now();
    const { valid, failed } = await this.validateBatch(messages, extrasOf(handler).schemas);
    if (valid.length === 0) return failed;
    const deadline = new SharedDeadline(options.handlerTimeoutMs);
    let outcome: BatchOutcome | undefined;
    let error: Error | undefined;
    try {
      const run = () => invokeHandler(handler, valid, new BatchContext(options.stream, valid));
      outcome = (await deadline.race(runWithCorrelationId(batchCorrelationId(valid), run))) as
        BatchOutcome | undefined;
    } catch (thrown) {
      error = toError(thrown);
      for (const message of valid) failed.set(message.entryId, error);
    } finally {
      deadline.cancel();
    }
    for (const [entryId, entryError] of outcome?.failed ?? []) failed.set(entryId, entryError);
    const firstFailure = error ?? failed.values().next().value;
    this.observe(options.stream, BATCH_TYPE_LABEL, firstFailure, started);
    return failed;
  }

  /** Batch entries whose payloads pass their schema (types without a schema pass as they are). */
  private async validateBatch(
    messages: readonly ReceivedMessage[],
    schemas: StreamHandlerExtras['schemas'],
  ): Promise<{ valid: ReceivedMessage[]; failed: Map<string, Error> }> {
    const failed = new Map<string, Error>();
    if (!schemas) return { valid: [...messages], failed };
    const valid: ReceivedMessage[] = [];
    for (const message of messages) {
      const schema = schemas[message.envelope.type];
      try {
        if (!schema)
          throw new NonRetryableError(`no schema for event type "${message.envelope.type}"`);
        const payload = await validatePayload(schema, message.envelope.payload);
        valid.push({ ...message, envelope: { ...message.envelope, payload } });
      } catch (error) {
        failed.set(message.entryId, toError(error));
      }
    }
    return { valid, failed };
  }

  private observe(stream: string, type: string, error: Error | undefined, started: number): void {
    const outcome = !error ? 'ok' : isNonRetryable(error) ? 'rejected' : 'failed';
    this.metrics.observe(stream, type, outcome, (performance.now() - started) / 1000);
  }
}

function extrasOf(handler: MessageHandler): StreamHandlerExtras {
  return (handler.extras ?? {}) as StreamHandlerExtras;
}

/** The batch's shared correlation id, or a new one when its entries come from different work. */
function batchCorrelationId(messages: readonly ReceivedMessage[]): string {
  const first = messages[0].envelope.correlationId;
  return messages.every((m) => m.envelope.correlationId === first) ? first : randomUUID();
}
