/** The only origin a sync ever talks to in production. */
export const DISCOGS_API_ORIGIN = 'https://api.discogs.com';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Thrown when a URL is not one the sync protocol may call. */
export class RefusedUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RefusedUrlError';
  }
}

function parse(url: string): URL {
  try {
    return new URL(url);
  } catch {
    throw new RefusedUrlError('not a URL');
  }
}

/** True for `https://api.discogs.com/…` URLs without credentials or an odd port. */
export function isDiscogsApiUrl(url: string): boolean {
  try {
    assertDiscogsApiUrl(url);
    return true;
  } catch {
    return false;
  }
}

/** Throws {@link RefusedUrlError} unless `url` is an `https://api.discogs.com/` URL. */
export function assertDiscogsApiUrl(url: string): URL {
  const parsed = parse(url);
  if (parsed.origin !== DISCOGS_API_ORIGIN || parsed.username || parsed.password) {
    throw new RefusedUrlError(`refusing a request to ${parsed.host || 'an unknown host'}`);
  }
  return parsed;
}

/**
 * Validates a tests-and-demos base URL: plain http(s) on a loopback host, nothing else, so that
 * no configuration can send a user's Discogs token to another machine.
 */
export function assertLoopbackBaseUrl(base: string): string {
  const parsed = parse(base);
  const web = parsed.protocol === 'http:' || parsed.protocol === 'https:';
  if (!web || !LOOPBACK_HOSTS.has(parsed.hostname) || parsed.username || parsed.password) {
    throw new RefusedUrlError('a Discogs base URL override must be http(s) on a loopback host');
  }
  return parsed.origin;
}

/**
 * The URL a client actually fetches for a server-sent request: the Discogs URL itself, or the
 * same path and query on the loopback override (tests and demos).
 */
export function targetUrl(url: string, overrideOrigin?: string): string {
  const parsed = assertDiscogsApiUrl(url);
  if (overrideOrigin === undefined) return parsed.href;
  return `${assertLoopbackBaseUrl(overrideOrigin)}${parsed.pathname}${parsed.search}`;
}
