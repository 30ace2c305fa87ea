import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  formFields,
  startFakeHttp,
  type FakeHttpServer,
  type FakeRequest,
  type FakeResponse,
} from './fake-http';

/** A scripted failure: an OAuth error (JSON) or a raw answer when `error` is absent. */
export interface TokenEndpointFailure {
  readonly status: number;
  readonly error?: string;
}

export interface FakeTokenEndpointOptions {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly refreshToken: string;
  /** `expires_in` of issued tokens (default 3600). */
  readonly expiresIn?: number;
  /** Answer a new refresh token with each access token (Microsoft may do this). */
  readonly rotateRefreshToken?: boolean;
  /** Add an `id_token` the client cannot verify (as Entra ID does with `openid` scope). */
  readonly includeIdToken?: boolean;
  readonly scope?: string;
}

/** One refresh request as received (secrets included: this is a test double). */
export interface ReceivedTokenRequest {
  readonly grantType?: string;
  readonly refreshToken?: string;
  readonly clientId?: string;
  readonly clientSecret?: string;
}

/**
 * An OAuth 2.0 token endpoint for `refresh_token` grants on 127.0.0.1: checks the client and the
 * refresh token, issues opaque access tokens, and answers scripted failures first.
 */
export class FakeTokenEndpoint {
  readonly requests: ReceivedTokenRequest[] = [];
  readonly issued: string[] = [];
  /** Delay before each answer, to hold refreshes in flight. */
  delayMs = 0;
  #refreshToken: string;
  readonly #failures: TokenEndpointFailure[] = [];

  private server!: FakeHttpServer;

  private constructor(private readonly options: FakeTokenEndpointOptions) {
    this.#refreshToken = options.refreshToken;
  }

  static async start(options: FakeTokenEndpointOptions): Promise<FakeTokenEndpoint> {
    const endpoint = new FakeTokenEndpoint(options);
    endpoint.server = await startFakeHttp((req) => endpoint.answer(req));
    return endpoint;
  }

  /** The token endpoint URL. */
  get url(): string {
    return `${this.server.origin}/oauth2/token`;
  }

  /** The refresh token the endpoint currently accepts. */
  get refreshToken(): string {
    return this.#refreshToken;
  }

  /** Answers the next requests with these failures, in order. */
  failNext(...failures: TokenEndpointFailure[]): void {
    this.#failures.push(...failures);
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private async answer(req: FakeRequest): Promise<FakeResponse> {
    const form = formFields(req.body);
    const basic = parseBasic(req.headers.authorization);
    const received: ReceivedTokenRequest = {
      grantType: form.grant_type,
      refreshToken: form.refresh_token,
      clientId: basic?.[0] ?? form.client_id,
      clientSecret: basic?.[1] ?? form.client_secret,
    };
    this.requests.push(received);
    if (this.delayMs > 0) await sleep(this.delayMs);
    const failure = this.#failures.shift();
    if (failure) return failureAnswer(failure);
    if (req.method !== 'POST' || received.grantType !== 'refresh_token') {
      return oauthError(400, 'unsupported_grant_type');
    }
    const { clientId, clientSecret } = this.options;
    if (received.clientId !== clientId || received.clientSecret !== clientSecret) {
      return oauthError(401, 'invalid_client');
    }
    if (received.refreshToken !== this.#refreshToken) return oauthError(400, 'invalid_grant');
    return { status: 200, headers: { 'cache-control': 'no-store' }, body: this.issue() };
  }

  private issue(): Record<string, unknown> {
    const accessToken = `at-${this.issued.length + 1}-${randomBytes(6).toString('hex')}`;
    this.issued.push(accessToken);
    const body: Record<string, unknown> = {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: this.options.expiresIn ?? 3600,
      scope: this.options.scope ?? 'https://mail.google.com/',
    };
    if (this.options.rotateRefreshToken) {
      this.#refreshToken = `rt-${randomBytes(6).toString('hex')}`;
      body.refresh_token = this.#refreshToken;
    }
    // Signed by nobody and issued by a stranger: a client that validated it would fail.
    if (this.options.includeIdToken) body.id_token = unverifiableIdToken();
    return body;
  }
}

function failureAnswer(failure: TokenEndpointFailure): FakeResponse {
  if (failure.error) return oauthError(failure.status, failure.error);
  return {
    status: failure.status,
    headers: { 'content-type': 'text/plain' },
    body: 'upstream trouble',
  };
}

function oauthError(status: number, error: string): FakeResponse {
  return { status, body: { error, error_description: `fake endpoint: ${error}` } };
}

function parseBasic(header: string | undefined): [string, string] | undefined {
  if (!header?.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return [
    decodeURIComponent(decoded.slice(0, colon)),
    decodeURIComponent(decoded.slice(colon + 1)),
  ];
}

function unverifiableIdToken(): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    iss: 'https://issuer.invalid/tenant',
    aud: 'someone-else',
    sub: 'u',
    iat: now,
    exp: now + 60,
  };
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part(claims)}.${randomBytes(16).toString('base64url')}`;
}
