import { createHmac } from 'node:crypto';
import OAuth from 'oauth-1.0a';
import { ProviderClientError, ProviderClientErrorCode } from './provider-client.errors';
import {
  buildUrl,
  disposedError,
  send,
  type ProviderHttpOptions,
  type RequestParams,
} from './provider-http';
import type { BricklinkCredentials } from './provider.types';

export const BRICKLINK_API = 'https://api.bricklink.com/api/store/v1';

export interface BricklinkClientOptions extends ProviderHttpOptions {
  /** For known-answer tests: a fixed nonce. */
  nonce?: () => string;
  /** For known-answer tests: the clock (epoch seconds). */
  timestamp?: () => number;
}

/** Bricklink's answer envelope: its own status in `meta`, the payload in `data`. */
interface BricklinkEnvelope {
  meta?: { code?: number; message?: string };
  data?: unknown;
}

/**
 * Bricklink store API client: every request is signed with OAuth 1.0a (HMAC-SHA1) in the
 * `Authorization` header, from the consumer key/secret and the token value/secret.
 */
export class BricklinkClient {
  readonly provider = 'bricklink';
  readonly #options: BricklinkClientOptions;
  #oauth: OAuth | undefined;
  #token: OAuth.Token | undefined;

  constructor(credentials: BricklinkCredentials, options: BricklinkClientOptions = {}) {
    this.#options = options;
    this.#oauth = new OAuth({
      consumer: { key: credentials.consumerKey, secret: credentials.consumerSecret },
      signature_method: 'HMAC-SHA1',
      hash_function: (base, key) => createHmac('sha1', key).update(base).digest('base64'),
    });
    if (options.nonce) this.#oauth.getNonce = options.nonce;
    if (options.timestamp) this.#oauth.getTimeStamp = options.timestamp;
    this.#token = { key: credentials.tokenValue, secret: credentials.tokenSecret };
  }

  /**
   * The `Authorization` header value for one request. The URL's query and any form fields are
   * signed (RFC 5849 §3.4.1.3); a JSON body is not.
   */
  authorization(method: string, url: string, form?: RequestParams): string {
    if (!this.#oauth || !this.#token) throw disposedError(this.provider);
    const data = form && Object.fromEntries(Object.entries(form).map(([k, v]) => [k, String(v)]));
    const signed = this.#oauth.authorize({ url, method, data }, this.#token);
    return this.#oauth.toHeader(signed).Authorization;
  }

  /** Calls the API (`path` under the API root) and answers Bricklink's `data`. */
  async request<T = unknown>(
    method: string,
    path: string,
    options: { query?: RequestParams; body?: unknown } = {},
  ): Promise<T> {
    const url = buildUrl(this.#options.baseUrl ?? BRICKLINK_API, path, options.query);
    const headers: Record<string, string> = {
      Authorization: this.authorization(method, url),
      Accept: 'application/json',
    };
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const answer = await send(this.provider, this.#options, url, { method, headers, body });
    const envelope = (answer.body ?? {}) as BricklinkEnvelope;
    // Bricklink reports many failures as HTTP 200 with an error code in `meta`.
    const code = envelope.meta?.code ?? answer.status;
    if (code >= 300) {
      throw new ProviderClientError(
        ProviderClientErrorCode.UpstreamFailed,
        `bricklink answered ${code} ${envelope.meta?.message ?? ''}`.trim(),
        { upstreamStatus: code },
      );
    }
    return envelope.data as T;
  }

  /** Forgets the credentials; later calls fail. */
  dispose(): void {
    this.#oauth = undefined;
    this.#token = undefined;
  }
}
