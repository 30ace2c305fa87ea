import type { ApiRequestData, ApiResponseData } from './protocol';
import { RefusedUrlError, targetUrl } from './discogs-url';

/** A `fetch` as browsers and Node provide it. */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface RequestExecutorOptions {
  /** The user's Discogs personal access token (sent only to Discogs). */
  discogsToken: string;
  fetch: FetchLike;
  maxBodyBytes: number;
  timeoutMs: number;
  /** Tests and demos only: a loopback origin that stands in for https://api.discogs.com. */
  overrideOrigin?: string;
  /** Sent as User-Agent where the platform allows it (Discogs asks for one). */
  userAgent?: string;
}

/** Headers the server may ask for; anything else it sends is dropped. */
const FORWARDED_REQUEST_HEADERS = new Set(['accept', 'user-agent']);

/** Response headers reported back: rate-limit state and what helps diagnose an answer. */
const REPORTED_RESPONSE_HEADERS = [
  'x-discogs-ratelimit',
  'x-discogs-ratelimit-used',
  'x-discogs-ratelimit-remaining',
  'retry-after',
  'content-type',
];

class BodyTooLargeError extends Error {}

/** Executes server-planned Discogs requests with the user's token and reports the outcome. */
export class RequestExecutor {
  constructor(private readonly options: RequestExecutorOptions) {}

  /** Runs one request; never throws: failures are reported as status 0 with `error`. */
  async execute(request: ApiRequestData): Promise<ApiResponseData> {
    const failed = (error: string): ApiResponseData => ({
      requestId: request.requestId,
      status: 0,
      headers: {},
      body: '',
      error,
    });
    let url: string;
    try {
      if (request.method !== 'GET') throw new RefusedUrlError(`refusing method ${request.method}`);
      url = targetUrl(request.url, this.options.overrideOrigin);
    } catch (error) {
      return failed(error instanceof Error ? error.message : 'refused');
    }
    try {
      const response = await this.options.fetch(url, {
        method: 'GET',
        headers: this.headers(request.headers),
        redirect: 'error',
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      const body = await readLimited(response, this.options.maxBodyBytes);
      return {
        requestId: request.requestId,
        status: response.status,
        headers: pick(response),
        body,
      };
    } catch (error) {
      if (error instanceof BodyTooLargeError) return failed('response body too large');
      return failed(error instanceof Error ? `${error.name}: ${error.message}` : 'request failed');
    }
  }

  private headers(requested: Record<string, string>): Record<string, string> {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(requested)) {
      if (FORWARDED_REQUEST_HEADERS.has(name.toLowerCase())) headers[name] = value;
    }
    if (this.options.userAgent) headers['User-Agent'] = this.options.userAgent;
    headers.Authorization = `Discogs token=${this.options.discogsToken}`;
    return headers;
  }
}

function pick(response: Response): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of REPORTED_RESPONSE_HEADERS) {
    const value = response.headers.get(name);
    if (value !== null) headers[name] = value;
  }
  return headers;
}

/** Reads the body as text, giving up as soon as it exceeds `limit` bytes. */
async function readLimited(response: Response, limit: number): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > limit) {
    await response.body?.cancel();
    throw new BodyTooLargeError();
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let size = 0;
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw new BodyTooLargeError();
    }
    text += decoder.decode(value, { stream: true });
  }
  return text + decoder.decode();
}
