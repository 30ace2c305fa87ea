import { AppError } from '@libs/models';

export enum ProviderClientErrorCode {
  CredentialsNotFound = 'provider_credentials_not_found',
  Disposed = 'provider_client_disposed',
  UpstreamFailed = 'provider_upstream_failed',
  RefreshFailed = 'oauth2_refresh_failed',
  Misconfigured = 'provider_client_misconfigured',
}

const STATUS: Record<ProviderClientErrorCode, number> = {
  [ProviderClientErrorCode.CredentialsNotFound]: 404,
  [ProviderClientErrorCode.Disposed]: 503,
  [ProviderClientErrorCode.UpstreamFailed]: 502,
  [ProviderClientErrorCode.RefreshFailed]: 502,
  [ProviderClientErrorCode.Misconfigured]: 500,
};

/** A problem creating or using a provider client; never carries a secret in its message. */
export class ProviderClientError extends AppError<ProviderClientErrorCode> {
  /** HTTP status the provider answered, when the problem is an upstream answer. */
  readonly upstreamStatus?: number;

  constructor(
    code: ProviderClientErrorCode,
    message: string,
    options: { upstreamStatus?: number; cause?: unknown } = {},
  ) {
    super(code, message, { cause: options.cause });
    this.upstreamStatus = options.upstreamStatus;
  }

  override get httpStatus(): number {
    return STATUS[this.code];
  }
}

/**
 * An OAuth 2.0 refresh that did not yield an access token. `retryable` is false when the grant
 * itself is dead (`invalid_grant` and other 4xx answers): the user must authorize again.
 */
export class OAuth2RefreshError extends ProviderClientError {
  readonly retryable: boolean;
  readonly status?: number;
  /** The RFC 6749 `error` code the token endpoint answered, if any. */
  readonly oauthError?: string;

  constructor(
    message: string,
    details: { retryable: boolean; status?: number; oauthError?: string; cause?: unknown },
  ) {
    super(ProviderClientErrorCode.RefreshFailed, message, {
      upstreamStatus: details.status,
      cause: details.cause,
    });
    this.retryable = details.retryable;
    this.status = details.status;
    this.oauthError = details.oauthError;
  }
}
