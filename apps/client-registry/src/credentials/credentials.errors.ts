import { AppError } from '@libs/models';

/**
 * Credential error codes. They share the registry's numbering with `ClientsErrorCode` (65006,
 * 65011 and 65012 mean the same there); 65014 is new: stored values that do not decrypt.
 */
export enum CredentialsErrorCode {
  NotFound = 65006,
  Database = 65011,
  InvalidInput = 65012,
  Unreadable = 65014,
}

const STATUS: Record<CredentialsErrorCode, number> = {
  [CredentialsErrorCode.NotFound]: 404,
  [CredentialsErrorCode.Database]: 503,
  [CredentialsErrorCode.InvalidInput]: 400,
  [CredentialsErrorCode.Unreadable]: 500,
};

/** A failure of the credential store; messages name users, providers and columns, never values. */
export class CredentialsError extends AppError<CredentialsErrorCode> {
  override get httpStatus(): number {
    return STATUS[this.code];
  }

  static notFound(userId: string, provider: string): CredentialsError {
    return new CredentialsError(
      CredentialsErrorCode.NotFound,
      `no ${provider} credentials for user ${userId}`,
    );
  }

  static invalid(problems: readonly string[]): CredentialsError {
    return new CredentialsError(CredentialsErrorCode.InvalidInput, problems.join('; '), {
      details: problems,
    });
  }

  static database(cause: unknown): CredentialsError {
    return new CredentialsError(CredentialsErrorCode.Database, 'credential store database error', {
      cause,
    });
  }
}

/** An error's message and its cause's, for operators (a 65011 alone does not say what failed). */
export function failureReason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
}
