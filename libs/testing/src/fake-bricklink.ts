import { timingSafeEqual } from 'node:crypto';
import {
  startFakeHttp,
  type FakeHttpServer,
  type FakeRequest,
  type FakeResponse,
} from './fake-http';
import { hmacSha1Signature, parseOAuthHeader, signatureBaseString } from './oauth1-reference';

/** The OAuth 1.0a credentials the fake accepts. */
export interface BricklinkTestCredentials {
  readonly consumerKey: string;
  readonly consumerSecret: string;
  readonly tokenValue: string;
  readonly tokenSecret: string;
}

/**
 * A local Bricklink store API that checks every request's OAuth 1.0a signature independently
 * (RFC 5849 §3.4, node:crypto) and rejects bad ones the way Bricklink does (meta code 401).
 */
export class FakeBricklinkApi {
  accepted = 0;
  readonly rejections: string[] = [];
  readonly #nonces = new Set<string>();
  private server!: FakeHttpServer;

  private constructor(private readonly credentials: BricklinkTestCredentials) {}

  static async start(credentials: BricklinkTestCredentials): Promise<FakeBricklinkApi> {
    const api = new FakeBricklinkApi(credentials);
    api.server = await startFakeHttp((req) => api.answer(req));
    return api;
  }

  /** The API root, like `https://api.bricklink.com/api/store/v1`. */
  get baseUrl(): string {
    return `${this.server.origin}/api/store/v1`;
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private answer(req: FakeRequest): FakeResponse {
    const problem = this.verify(req);
    if (problem) {
      this.rejections.push(problem);
      return {
        status: 401,
        body: { meta: { code: 401, message: 'BAD_OAUTH_REQUEST', description: problem } },
      };
    }
    this.accepted++;
    const query = Object.fromEntries(req.url.searchParams);
    return {
      status: 200,
      body: {
        meta: { code: 200, message: 'OK' },
        data: { method: req.method, path: req.url.pathname, query },
      },
    };
  }

  /** What is wrong with the request's signature, or undefined when it is right. */
  private verify(req: FakeRequest): string | undefined {
    const oauth = parseOAuthHeader(req.headers.authorization);
    if (!oauth) return 'no OAuth Authorization header';
    const { consumerKey, consumerSecret, tokenValue, tokenSecret } = this.credentials;
    if (oauth.get('oauth_consumer_key') !== consumerKey) return 'unknown consumer key';
    if (oauth.get('oauth_token') !== tokenValue) return 'unknown token';
    if (oauth.get('oauth_signature_method') !== 'HMAC-SHA1')
      return 'signature method must be HMAC-SHA1';
    const nonce = `${oauth.get('oauth_timestamp')}:${oauth.get('oauth_nonce')}`;
    if (this.#nonces.has(nonce)) return 'nonce reused';
    const params: [string, string][] = [...req.url.searchParams, ...oauth];
    if (String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded')) {
      params.push(...new URLSearchParams(req.body));
    }
    const expected = hmacSha1Signature(
      signatureBaseString(req.method, req.url, params),
      consumerSecret,
      tokenSecret,
    );
    const given = Buffer.from(oauth.get('oauth_signature') ?? '');
    const want = Buffer.from(expected);
    if (given.length !== want.length || !timingSafeEqual(given, want)) return 'signature mismatch';
    this.#nonces.add(nonce);
    return undefined;
  }
}
