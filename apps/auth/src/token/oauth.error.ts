/** Error codes of RFC 6749 §5.2 (plus RFC 8707's invalid_target) that the token endpoint uses. */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'invalid_target'
  | 'temporarily_unavailable'
  | 'server_error';

/**
 * An OAuth error response: status, `{ error, error_description }` and, for client
 * authentication failures, the `WWW-Authenticate` challenge.
 */
export class OAuthError extends Error {
  constructor(
    readonly error: OAuthErrorCode,
    readonly description: string,
    readonly status = 400,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(`${error}: ${description}`);
    this.name = 'OAuthError';
  }

  toBody(): { error: OAuthErrorCode; error_description: string } {
    return { error: this.error, error_description: this.description };
  }

  static invalidRequest(description: string): OAuthError {
    return new OAuthError('invalid_request', description);
  }

  /**
   * The one answer for unknown client, wrong secret, suspended or revoked client. RFC 6749
   * §5.2 requires the challenge when Basic was used; HTTP requires one on every 401, so it is
   * always sent.
   */
  static invalidClient(): OAuthError {
    return new OAuthError('invalid_client', 'client authentication failed', 401, {
      'WWW-Authenticate': 'Basic realm="portico", charset="UTF-8"',
    });
  }

  static tooMany(retryAfterSeconds: number, description: string): OAuthError {
    return new OAuthError('temporarily_unavailable', description, 429, {
      'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))),
    });
  }

  static unavailable(description: string): OAuthError {
    return new OAuthError('temporarily_unavailable', description, 503, { 'Retry-After': '1' });
  }
}
