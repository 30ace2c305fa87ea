import { AppError } from '@libs/models';

/** Thrown by a handler when retrying cannot help: the entry goes to the dead-letter stream now. */
export class NonRetryableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A stream entry that is not a valid envelope (missing fields, payload that is not JSON). */
export class UnparseableEntryError extends NonRetryableError {}

/** A payload that fails its declared schema. */
export class PayloadValidationError extends NonRetryableError {
  constructor(
    message: string,
    readonly details: readonly string[],
  ) {
    super(`${message}: ${details.join('; ')}`);
  }
}

/** A handler that did not settle within `handlerTimeoutMs` (the entry stays pending). */
export class HandlerTimeoutError extends Error {
  constructor(ms: number) {
    super(`handler did not finish within ${ms} ms`);
    this.name = new.target.name;
  }
}

export enum RpcErrorCode {
  Timeout = 'rpc_timeout',
  Closed = 'rpc_closed',
}

/** An RPC request that got no reply before its deadline. */
export class RpcTimeoutError extends AppError<RpcErrorCode> {
  constructor(service: string, pattern: string, ms: number) {
    super(RpcErrorCode.Timeout, `${service} did not answer ${pattern} within ${ms} ms`);
  }

  override get httpStatus(): number {
    return 504;
  }
}

/** A request still waiting when its client closed. */
export class RpcClosedError extends AppError<RpcErrorCode> {
  constructor() {
    super(RpcErrorCode.Closed, 'the RPC client was closed before the reply arrived');
  }

  override get httpStatus(): number {
    return 503;
  }
}
