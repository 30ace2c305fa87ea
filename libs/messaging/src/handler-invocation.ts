import { Logger } from '@nestjs/common';
import type { MessageHandler } from '@nestjs/microservices';
import { isObservable, lastValueFrom } from 'rxjs';
import { HandlerTimeoutError } from './messaging.errors';

/** Calls a Nest handler and waits for its result, whether a promise or an observable. */
export async function invokeHandler(
  handler: MessageHandler,
  data: unknown,
  context: object,
): Promise<unknown> {
  const result: unknown = await handler(data, context);
  return isObservable(result) ? lastValueFrom(result, { defaultValue: undefined }) : result;
}

/**
 * Normalizes what a handler rejected with. Nest's default RPC exception filter replaces errors
 * with `{ status, message }` objects; the platform's filter passes the original error through.
 */
export function toError(value: unknown): Error {
  if (value instanceof Error) return value;
  if (typeof value === 'object' && value !== null && 'message' in value) {
    warnFilteredOnce();
    return new Error(String((value as { message: unknown }).message));
  }
  return new Error(String(value));
}

let warned = false;

function warnFilteredOnce(): void {
  if (warned) return;
  warned = true;
  new Logger('RedisStreamsServer').warn(
    'a handler error arrived as a plain object: an RPC exception filter replaced it, so ' +
      'NonRetryableError and AppError codes are lost. Connect the server through ' +
      '@libs/platform (startTransports / AppDefinition.transports) or use AppErrorFilter.',
  );
}

/**
 * One timer shared by every handler of a batch (one per entry would cost a timer each at tens
 * of thousands of entries per second): `race` fails once `ms` have passed since creation.
 */
export class SharedDeadline {
  private readonly timer: NodeJS.Timeout;
  private readonly expired: Promise<never>;

  constructor(private readonly ms: number) {
    let fail!: (error: Error) => void;
    this.expired = new Promise<never>((_, reject) => (fail = reject));
    // Nobody may be racing when it fires; that must not be an unhandled rejection.
    this.expired.catch(() => undefined);
    this.timer = setTimeout(() => fail(new HandlerTimeoutError(this.ms)), ms);
  }

  race<T>(work: Promise<T>): Promise<T> {
    return Promise.race([work, this.expired]);
  }

  cancel(): void {
    clearTimeout(this.timer);
  }
}
