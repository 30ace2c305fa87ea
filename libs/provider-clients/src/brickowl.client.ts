import {
  buildUrl,
  disposedError,
  encodeParams,
  send,
  type ProviderHttpOptions,
  type RequestParams,
} from './provider-http';
import type { BrickOwlCredentials } from './provider.types';

export const BRICKOWL_API = 'https://api.brickowl.com/v1';

const QUERY_METHODS = new Set(['GET', 'HEAD', 'DELETE']);

/** BrickOwl API client: the key travels as the `key` parameter (query for reads, form body for writes). */
export class BrickOwlClient {
  readonly provider = 'brickowl';
  readonly #options: ProviderHttpOptions;
  #apiKey: string | undefined;

  constructor(credentials: BrickOwlCredentials, options: ProviderHttpOptions = {}) {
    this.#options = options;
    this.#apiKey = credentials.apiKey;
  }

  /** Calls the API (`path` under the API root) and answers the parsed JSON. */
  async request<T = unknown>(method: string, path: string, params: RequestParams = {}): Promise<T> {
    if (this.#apiKey === undefined) throw disposedError(this.provider);
    const verb = method.toUpperCase();
    const withKey = { ...params, key: this.#apiKey };
    const base = this.#options.baseUrl ?? BRICKOWL_API;
    const init: RequestInit = { method: verb, headers: { Accept: 'application/json' } };
    if (QUERY_METHODS.has(verb)) {
      return (await send(this.provider, this.#options, buildUrl(base, path, withKey), init))
        .body as T;
    }
    init.headers = { ...init.headers, 'Content-Type': 'application/x-www-form-urlencoded' };
    init.body = encodeParams(withKey);
    return (await send(this.provider, this.#options, buildUrl(base, path), init)).body as T;
  }

  /** Forgets the key; later calls fail. */
  dispose(): void {
    this.#apiKey = undefined;
  }
}
