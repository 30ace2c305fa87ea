import { EventPattern } from '@nestjs/microservices';
import type { StreamHandlerExtras } from './event-dispatcher';

/**
 * `@EventPattern(type)` for one entry of that envelope type. Nest 12 types `@EventPattern`'s
 * handler as `(data, ...args: unknown[])`, which rejects `@Ctx() ctx: StreamContext`; this
 * decorator registers the same metadata under the untyped overload.
 */
export function StreamEvent(
  type: string,
  extras: Pick<StreamHandlerExtras, 'schema'> = {},
): MethodDecorator {
  return EventPattern<string>(type, { ...extras });
}

/** `@EventPattern(stream, { batch: true })`: whole batches of a consumer group's stream. */
export function StreamBatch(
  stream: string,
  extras: Pick<StreamHandlerExtras, 'schemas'> = {},
): MethodDecorator {
  return EventPattern<string>(stream, { ...extras, batch: true });
}
