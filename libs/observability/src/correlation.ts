import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

interface CorrelationScope {
  readonly correlationId: string;
}

const storage = new AsyncLocalStorage<CorrelationScope>();

/** Header carrying the correlation id over HTTP, in and out. */
export const CORRELATION_HEADER = 'x-correlation-id';

/** Runs `fn` with `correlationId` visible to logs and to the messages it publishes. */
export function runWithCorrelationId<T>(correlationId: string, fn: () => T): T {
  return storage.run({ correlationId }, fn);
}

/** The correlation id of the request or message being handled, if any. */
export function currentCorrelationId(): string | undefined {
  return storage.getStore()?.correlationId;
}

/** The current id, or a fresh one when work starts outside any request or message. */
export function correlationIdOrNew(): string {
  return currentCorrelationId() ?? randomUUID();
}

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Accepts a caller-supplied id only when it is short and printable (it lands in logs). */
export function acceptCorrelationId(value: unknown): string {
  return typeof value === 'string' && SAFE_ID.test(value) ? value : randomUUID();
}

/**
 * The correlation id of an HTTP request: fixed on first use and stored on the request, so the
 * correlation middleware and the request logger agree whichever of them runs first.
 */
export function requestCorrelationId(req: {
  id?: unknown;
  headers: Record<string, unknown>;
}): string {
  if (typeof req.id === 'string') return req.id;
  const id = acceptCorrelationId(req.headers[CORRELATION_HEADER]);
  req.id = id;
  return id;
}
