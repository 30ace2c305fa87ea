export type ErrorCode = number | string;

export interface AppErrorOptions {
  /** Machine-readable details safe to show a caller (validation messages, field names). */
  details?: readonly unknown[];
  cause?: unknown;
}

/**
 * Base of every error a service throws on purpose. Subclasses fix the code type and may map
 * codes to HTTP statuses through `statusOf`; the transport filters do the rest.
 */
export class AppError<C extends ErrorCode = ErrorCode> extends Error {
  readonly details?: readonly unknown[];

  constructor(
    readonly code: C,
    message: string,
    options: AppErrorOptions = {},
  ) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.details = options.details;
  }

  /** HTTP status for this error; 500 unless a subclass knows better. */
  get httpStatus(): number {
    return 500;
  }
}

/** Shared codes for problems any app can have. */
export enum CommonErrorCode {
  ValidationFailed = 'validation_failed',
  Unauthorized = 'unauthorized',
  NotFound = 'not_found',
  Internal = 'internal_error',
  Unavailable = 'unavailable',
}

const COMMON_STATUS: Record<CommonErrorCode, number> = {
  [CommonErrorCode.ValidationFailed]: 400,
  [CommonErrorCode.Unauthorized]: 401,
  [CommonErrorCode.NotFound]: 404,
  [CommonErrorCode.Internal]: 500,
  [CommonErrorCode.Unavailable]: 503,
};

export class CommonError extends AppError<CommonErrorCode> {
  override get httpStatus(): number {
    return COMMON_STATUS[this.code];
  }
}
