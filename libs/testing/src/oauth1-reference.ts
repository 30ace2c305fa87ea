import { createHmac } from 'node:crypto';

// An independent OAuth 1.0a HMAC-SHA1 implementation written from RFC 5849 §3.4, used to check
// Portico's signer (which uses the oauth-1.0a package) without trusting that package.

/** RFC 5849 §3.6: unreserved characters stay, everything else is %XX (uppercase) of its UTF-8. */
export function rfc5849Encode(value: string): string {
  return [...Buffer.from(value, 'utf8')]
    .map((byte) => {
      const c = String.fromCharCode(byte);
      return /[A-Za-z0-9\-._~]/.test(c)
        ? c
        : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');
}

/** RFC 5849 §3.4.1.2: scheme and host lowercase, default port dropped, no query or fragment. */
export function baseStringUri(url: URL): string {
  const defaultPort =
    (url.protocol === 'http:' && url.port === '80') ||
    (url.protocol === 'https:' && url.port === '443');
  const port = url.port && !defaultPort ? `:${url.port}` : '';
  return `${url.protocol.toLowerCase()}//${url.hostname.toLowerCase()}${port}${url.pathname}`;
}

/**
 * RFC 5849 §3.4.1: `METHOD&uri&params`, where params are every (name, value) pair of the query,
 * the form body and the oauth_* protocol parameters (minus oauth_signature and realm), each
 * encoded, sorted by name then value, joined with `=` and `&`.
 */
export function signatureBaseString(
  method: string,
  url: URL,
  params: readonly (readonly [string, string])[],
): string {
  const normalized = params
    .filter(([name]) => name !== 'oauth_signature' && name !== 'realm')
    .map(([name, value]) => [rfc5849Encode(name), rfc5849Encode(value)] as const)
    .sort(([an, av], [bn, bv]) => (an === bn ? (av < bv ? -1 : av > bv ? 1 : 0) : an < bn ? -1 : 1))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
  return [method.toUpperCase(), rfc5849Encode(baseStringUri(url)), rfc5849Encode(normalized)].join(
    '&',
  );
}

/** RFC 5849 §3.4.2: base64 HMAC-SHA1 keyed by `encode(consumerSecret)&encode(tokenSecret)`. */
export function hmacSha1Signature(
  baseString: string,
  consumerSecret: string,
  tokenSecret: string,
): string {
  const key = `${rfc5849Encode(consumerSecret)}&${rfc5849Encode(tokenSecret)}`;
  return createHmac('sha1', key).update(baseString).digest('base64');
}

/** RFC 5849 §3.5.1: the parameters of an `Authorization: OAuth …` header, decoded. */
export function parseOAuthHeader(header: string | undefined): Map<string, string> | undefined {
  if (!header?.startsWith('OAuth ')) return undefined;
  const params = new Map<string, string>();
  for (const part of header.slice(6).split(',')) {
    const match = /^\s*([^=\s]+)="([^"]*)"\s*$/.exec(part);
    if (!match) return undefined;
    params.set(decodeURIComponent(match[1]), decodeURIComponent(match[2]));
  }
  return params;
}
