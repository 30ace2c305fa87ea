import { ProviderClientError, ProviderClientErrorCode } from './provider-client.errors';
import type { ProviderName } from './provider.types';

/** Parameters of a query string or form body; undefined values are left out. */
export type RequestParams = Readonly<Record<string, string | number | boolean | undefined>>;

/** Options every HTTP provider client accepts. */
export interface ProviderHttpOptions {
  /** API root (tests point it at a local fake). */
  baseUrl?: string;
  /** For tests: the HTTP client. */
  fetch?: typeof fetch;
  /** Per-request timeout (default 30 s). */
  timeoutMs?: number;
}

/** An upstream answer: status and parsed JSON body (undefined when not JSON). */
export interface ProviderResponse {
  readonly status: number;
  readonly body: unknown;
}

/**
 * RFC 3986 encoding (`%20`, never `+`, and `!*'()` escaped), so what is sent is exactly what
 * OAuth 1.0a signs.
 */
export function encodeParams(params: RequestParams = {}): string {
  const encode = (s: string) =>
    encodeURIComponent(s).replace(
      /[!'()*]/g,
      (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
    );
  return Object.entries(params)
    .filter((entry): entry is [string, string | number | boolean] => entry[1] !== undefined)
    .map(([k, v]) => `${encode(k)}=${encode(String(v))}`)
    .join('&');
}

/** `base` + `path` + `?query` (when there is one). */
export function buildUrl(base: string, path: string, query?: RequestParams): string {
  const qs = encodeParams(query);
  return `${base.replace(/\/$/, '')}/${path.replace(/^\//, '')}${qs ? `?${qs}` : ''}`;
}

/**
 * Sends one request and parses a JSON answer. A non-2xx answer or a network failure becomes a
 * {@link ProviderClientError}; URLs are never put into messages (BrickOwl's carry the key).
 */
export async function send(
  provider: ProviderName,
  options: ProviderHttpOptions,
  url: string,
  init: RequestInit,
): Promise<ProviderResponse> {
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(url, {
      ...init,
      signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
    });
  } catch (cause) {
    throw new ProviderClientError(
      ProviderClientErrorCode.UpstreamFailed,
      `${provider} unreachable`,
      { cause },
    );
  }
  const isJson = (response.headers.get('content-type') ?? '').includes('json');
  const body: unknown = isJson
    ? await response.json().catch(() => undefined)
    : await response.text();
  if (!response.ok) {
    throw new ProviderClientError(
      ProviderClientErrorCode.UpstreamFailed,
      `${provider} answered ${response.status}`,
      { upstreamStatus: response.status },
    );
  }
  return { status: response.status, body: isJson ? body : undefined };
}

/** Thrown by a client used after the manager disposed of it. */
export function disposedError(provider: ProviderName): ProviderClientError {
  return new ProviderClientError(
    ProviderClientErrorCode.Disposed,
    `${provider} client was disposed; ask the manager for a current one`,
  );
}
