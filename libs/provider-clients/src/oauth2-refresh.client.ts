import * as oidc from 'openid-client';
import {
  OAuth2RefreshError,
  ProviderClientError,
  ProviderClientErrorCode,
} from './provider-client.errors';

/** What one successful refresh answered. */
export interface RefreshResult {
  readonly accessToken: string;
  readonly expiresInSeconds?: number;
  readonly refreshToken?: string;
  readonly scope?: string;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * One `refresh_token` grant against a token endpoint, through openid-client with static server
 * metadata (no discovery round trip). Errors come out classified as {@link OAuth2RefreshError}.
 */
export class OAuth2RefreshClient {
  readonly #config: oidc.Configuration;

  constructor(tokenUrl: string, clientId: string, clientSecret: string, fetchImpl?: typeof fetch) {
    const url = parseTokenUrl(tokenUrl);
    this.#config = new oidc.Configuration(
      { issuer: url.origin, token_endpoint: url.href },
      clientId,
      clientSecret,
    );
    // Plain http only ever reaches a local fake endpoint; a remote one must be https.
    if (url.protocol === 'http:') oidc.allowInsecureRequests(this.#config);
    const send = fetchImpl ?? fetch;
    this.#config[oidc.customFetch] = async (input, init) =>
      withoutIdToken(await send(input, init as RequestInit));
  }

  /** Exchanges `refreshToken` for a new access token (and maybe a new refresh token). */
  async refresh(refreshToken: string): Promise<RefreshResult> {
    let response: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;
    try {
      response = await oidc.refreshTokenGrant(this.#config, refreshToken);
    } catch (error) {
      throw classify(error);
    }
    return {
      accessToken: response.access_token,
      expiresInSeconds: response.expiresIn(),
      refreshToken: response.refresh_token,
      scope: response.scope,
    };
  }
}

function parseTokenUrl(tokenUrl: string): URL {
  let url: URL;
  try {
    url = new URL(tokenUrl);
  } catch (cause) {
    throw new ProviderClientError(ProviderClientErrorCode.Misconfigured, 'invalid token URL', {
      cause,
    });
  }
  const allowed =
    url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname));
  if (!allowed) {
    throw new ProviderClientError(
      ProviderClientErrorCode.Misconfigured,
      `token URL must be https (http only for loopback): ${url.origin}`,
    );
  }
  return url;
}

/**
 * XOAUTH2 needs only the access token. An `id_token` in a refresh answer would be checked against
 * an issuer we cannot know in advance (Entra ID's multi-tenant endpoint answers with the user's
 * tenant as issuer), so it is dropped before openid-client validates the answer.
 */
async function withoutIdToken(response: Response): Promise<Response> {
  const type = response.headers.get('content-type') ?? '';
  if (!response.ok || !type.includes('json')) return response;
  const body = (await response.json()) as Record<string, unknown>;
  delete body.id_token;
  return new Response(JSON.stringify(body), { status: response.status, headers: response.headers });
}

/** Answers other than a 4xx (network failures, timeouts, 5xx, 408, 429) are worth retrying. */
function isRetryableStatus(status: number | undefined): boolean {
  return status === undefined || status >= 500 || status === 408 || status === 429;
}

function classify(error: unknown): OAuth2RefreshError {
  if (error instanceof oidc.ResponseBodyError) {
    return new OAuth2RefreshError(`token endpoint answered ${error.status} ${error.error}`, {
      retryable: isRetryableStatus(error.status),
      status: error.status,
      oauthError: error.error,
      cause: error,
    });
  }
  const status =
    error instanceof Error && error.cause instanceof Response ? error.cause.status : undefined;
  const what =
    status === undefined
      ? 'token endpoint unreachable or answer unusable'
      : `token endpoint answered ${status}`;
  return new OAuth2RefreshError(what, {
    retryable: isRetryableStatus(status),
    status,
    cause: error,
  });
}
