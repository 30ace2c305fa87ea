import { DEFAULT_DISCOGS_USER_AGENT } from '@libs/config';
import {
  buildUrl,
  disposedError,
  send,
  type ProviderHttpOptions,
  type RequestParams,
} from './provider-http';
import type { DiscogsCredentials } from './provider.types';

export const DISCOGS_API = 'https://api.discogs.com';

export interface DiscogsClientOptions extends ProviderHttpOptions {
  /** Discogs asks each application for a unique User-Agent. */
  userAgent?: string;
}

/** Discogs API client: `Authorization: Discogs token=…` and the application's User-Agent. */
export class DiscogsClient {
  readonly provider = 'discogs';
  readonly #options: DiscogsClientOptions;
  #token: string | undefined;

  constructor(credentials: DiscogsCredentials, options: DiscogsClientOptions = {}) {
    this.#options = options;
    this.#token = credentials.token;
  }

  /**
   * Headers of a Discogs call; also what the sync orchestrator hands to a user's own client when
   * that client makes the call itself.
   */
  headers(): Record<string, string> {
    if (this.#token === undefined) throw disposedError(this.provider);
    return {
      Authorization: `Discogs token=${this.#token}`,
      'User-Agent': this.#options.userAgent ?? DEFAULT_DISCOGS_USER_AGENT,
      Accept: 'application/vnd.discogs.v2.discogs+json',
    };
  }

  /** Calls the API (`path` under the API root) and answers the parsed JSON. */
  async request<T = unknown>(
    method: string,
    path: string,
    options: { query?: RequestParams; body?: unknown } = {},
  ): Promise<T> {
    const headers = this.headers();
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    const url = buildUrl(this.#options.baseUrl ?? DISCOGS_API, path, options.query);
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    return (await send(this.provider, this.#options, url, { method, headers, body })).body as T;
  }

  /** Forgets the token; later calls fail. */
  dispose(): void {
    this.#token = undefined;
  }
}
