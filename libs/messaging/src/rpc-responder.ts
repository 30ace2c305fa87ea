import { HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { MessageHandler } from '@nestjs/microservices';
import type { Redis } from 'ioredis';
import { performance } from 'node:perf_hooks';
import { newEventId } from './event-id';
import { AppError, CommonErrorCode, toRpcError, type RpcErrorBody } from '@libs/models';
import { runWithCorrelationId } from '@libs/observability';
import type { Keyspace } from '@libs/redis';
import type { ResolvedGroupOptions } from './consumer-group.options';
import { envelopeFields, type Envelope, type ReceivedMessage } from './envelope';
import { invokeHandler, SharedDeadline, toError } from './handler-invocation';
import { NonRetryableError } from './messaging.errors';
import type { MessagingMetrics } from './messaging.metrics';
import { MessageContext } from './stream-context';
import type { HandlerLookup } from './event-dispatcher';

/** The payload of a reply entry. */
export type RpcReply = { ok: true; data?: unknown } | { ok: false; error: RpcErrorBody };

/** Envelope type of reply entries; the request's event id travels in the `requestId` field. */
export const RPC_REPLY_TYPE = 'rpc.reply';

/** Default `MAXLEN ~` of reply streams: callers read continuously, so a short tail suffices. */
export const DEFAULT_REPLY_MAX_LEN = 1_000;

/**
 * Serves `@MessagePattern` handlers from an RPC request stream: drops requests whose deadline
 * has passed (the caller gave up), runs the others within the deadline, and answers on the
 * caller's reply stream with the result or `{ code, message }`. Replies use NOMKSTREAM, so a
 * caller that is gone (its stream expired) leaves nothing behind.
 */
export class RpcResponder {
  private readonly logger = new Logger(RpcResponder.name);

  constructor(
    private readonly handlers: HandlerLookup,
    private readonly redis: Redis,
    private readonly keyspace: Keyspace,
    private readonly metrics: MessagingMetrics,
    private readonly replyMaxLen = DEFAULT_REPLY_MAX_LEN,
  ) {}

  readonly dispatch = async (
    messages: readonly ReceivedMessage[],
    options: ResolvedGroupOptions,
  ): Promise<Map<string, Error>> => {
    const failed = new Map<string, Error>();
    const deadline = new SharedDeadline(options.handlerTimeoutMs);
    await Promise.all(
      messages.map((message) =>
        this.answer(message, deadline).catch((error: unknown) => {
          failed.set(message.entryId, toError(error));
        }),
      ),
    );
    deadline.cancel();
    return failed;
  };

  private async answer(message: ReceivedMessage, deadline: SharedDeadline): Promise<void> {
    const { envelope, stream } = message;
    if (!envelope.replyTo) throw new NonRetryableError('RPC request without replyTo');
    if (envelope.deadline !== undefined && envelope.deadline <= Date.now()) {
      this.metrics.observe(stream, envelope.type, 'expired', 0);
      return;
    }
    const started = performance.now();
    const handler = this.handlers(envelope.type);
    const reply =
      handler && !handler.isEventHandler
        ? await this.run(handler, message, deadline)
        : failure(CommonErrorCode.NotFound, `no handler for "${envelope.type}"`);
    const label = handler ? envelope.type : '(unknown)';
    this.metrics.observe(
      stream,
      label,
      reply.ok ? 'ok' : 'failed',
      (performance.now() - started) / 1000,
    );
    await this.send(envelope, reply);
  }

  private async run(
    handler: MessageHandler,
    message: ReceivedMessage,
    deadline: SharedDeadline,
  ): Promise<RpcReply> {
    const { envelope } = message;
    const context = new MessageContext(message);
    try {
      const work = runWithCorrelationId(envelope.correlationId, () =>
        invokeHandler(handler, envelope.payload, context),
      );
      return { ok: true, data: await deadline.race(work) };
    } catch (error) {
      return { ok: false, error: this.errorBody(error, envelope) };
    }
  }

  private errorBody(thrown: unknown, envelope: Envelope): RpcErrorBody {
    if (thrown instanceof HttpException && thrown.getStatus() === HttpStatus.BAD_REQUEST) {
      const response = thrown.getResponse() as { message?: unknown };
      const details = Array.isArray(response.message) ? `: ${response.message.join('; ')}` : '';
      return {
        code: CommonErrorCode.ValidationFailed,
        message: `request validation failed${details}`,
      };
    }
    if (!(thrown instanceof AppError)) {
      this.logger.error(
        { err: toError(thrown), type: envelope.type, eventId: envelope.id },
        'RPC handler failed',
      );
    }
    return toRpcError(thrown);
  }

  private async send(request: Envelope, reply: RpcReply): Promise<void> {
    let json: string;
    try {
      json = JSON.stringify(reply);
    } catch {
      json = JSON.stringify(failure(CommonErrorCode.Internal, 'reply is not serializable'));
    }
    const envelope: Envelope = {
      id: newEventId(),
      type: RPC_REPLY_TYPE,
      payload: undefined,
      occurredAt: new Date().toISOString(),
      correlationId: request.correlationId,
    };
    const key = this.keyspace.key(request.replyTo as string);
    const fields = [...envelopeFields(envelope, json), 'requestId', request.id];
    await this.redis.xadd(key, 'NOMKSTREAM', 'MAXLEN', '~', this.replyMaxLen, '*', ...fields);
  }
}

function failure(code: RpcErrorBody['code'], message: string): RpcReply {
  return { ok: false, error: { code, message } };
}
