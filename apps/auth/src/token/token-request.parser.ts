import { OAuthError } from './oauth.error';

/** A syntactically valid client_credentials request, before any check against the client. */
export interface TokenRequest extends ClientCredentials {
  /** Requested scopes (undefined: the client's default scopes). */
  scopes: string[] | undefined;
  /** `resource` (RFC 8707) or `audience` values requested. */
  audience: string[];
}

const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
const MAX_FIELD = 1024;

/** RFC 6749 Appendix B: `application/x-www-form-urlencoded` decoding of one Basic component. */
function formDecode(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, ' '));
}

function basicCredentials(header: string): { id: string; secret: string } {
  const encoded = header.slice(6).trim();
  const decoded = /^[A-Za-z0-9+/]+={0,2}$/.test(encoded)
    ? Buffer.from(encoded, 'base64').toString('utf8')
    : '';
  const colon = decoded.indexOf(':');
  if (colon <= 0) throw OAuthError.invalidClient();
  try {
    return {
      id: formDecode(decoded.slice(0, colon)),
      secret: formDecode(decoded.slice(colon + 1)),
    };
  } catch {
    throw OAuthError.invalidClient();
  }
}

/** One string parameter: absent, or present exactly once with a bounded length. */
function param(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  if (value === undefined || value === '') return undefined;
  if (Array.isArray(value)) throw OAuthError.invalidRequest(`parameter ${name} is repeated`);
  if (typeof value !== 'string') throw OAuthError.invalidRequest(`parameter ${name} is malformed`);
  if (value.length > MAX_FIELD) throw OAuthError.invalidRequest(`parameter ${name} is too long`);
  return value;
}

function audiences(body: Record<string, unknown>): string[] {
  const values: string[] = [];
  for (const name of ['resource', 'audience']) {
    const raw = body[name];
    const list = raw === undefined || raw === '' ? [] : Array.isArray(raw) ? raw : [raw];
    for (const value of list) {
      if (typeof value !== 'string' || value.length === 0 || value.length > MAX_FIELD) {
        throw OAuthError.invalidRequest(`parameter ${name} is malformed`);
      }
      if (name === 'resource' && !isAbsoluteUriWithoutFragment(value)) {
        throw new OAuthError(
          'invalid_target',
          'resource must be an absolute URI without a fragment',
        );
      }
      values.push(value);
    }
  }
  return [...new Set(values)];
}

function isAbsoluteUriWithoutFragment(value: string): boolean {
  try {
    return new URL(value).hash === '' && !value.includes('#');
  } catch {
    return false;
  }
}

/** Credentials of an authenticating client and the RFC 6749 §2.3.1 method that carried them. */
export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
  method: 'client_secret_basic' | 'client_secret_post';
}

/** The form body of a POST to an OAuth endpoint, refused unless form-encoded. */
export function formBody(contentType: string | undefined, body: unknown): Record<string, unknown> {
  if (
    !contentType?.toLowerCase().startsWith('application/x-www-form-urlencoded') ||
    typeof body !== 'object' ||
    body === null
  ) {
    throw OAuthError.invalidRequest('the body must be application/x-www-form-urlencoded');
  }
  return body as Record<string, unknown>;
}

/** Client credentials from exactly one of: the Basic header, or client_id + client_secret in the body. */
export function clientCredentials(
  form: Record<string, unknown>,
  authorization: string | undefined,
): ClientCredentials {
  const bodyId = param(form, 'client_id');
  const bodySecret = param(form, 'client_secret');
  if (authorization !== undefined && /^basic /i.test(authorization)) {
    if (bodySecret !== undefined)
      throw OAuthError.invalidRequest('use exactly one client authentication method');
    const { id, secret } = basicCredentials(authorization);
    if (bodyId !== undefined && bodyId !== id)
      throw OAuthError.invalidRequest('client_id does not match the Authorization header');
    return { clientId: id, clientSecret: secret, method: 'client_secret_basic' };
  }
  if (authorization !== undefined)
    throw OAuthError.invalidRequest('unsupported Authorization scheme');
  if (bodyId === undefined || bodySecret === undefined) throw OAuthError.invalidClient();
  return { clientId: bodyId, clientSecret: bodySecret, method: 'client_secret_post' };
}

/** The `token` parameter of introspection and revocation requests (RFC 7662 §2.1, RFC 7009 §2.1). */
export function tokenParam(form: Record<string, unknown>): {
  token: string;
  hint: string | undefined;
} {
  const token = form.token;
  if (Array.isArray(token)) throw OAuthError.invalidRequest('parameter token is repeated');
  if (typeof token !== 'string' || token.length === 0)
    throw OAuthError.invalidRequest('token is required');
  if (token.length > 8192) throw OAuthError.invalidRequest('token is too long');
  return { token, hint: param(form, 'token_type_hint') };
}

/**
 * Parses a token request (form body + Authorization header) per RFC 6749 §2.3.1, §3.3, §4.4
 * and Appendix B. Throws OAuthError for every malformed request; checks nothing about clients.
 */
export function parseTokenRequest(
  contentType: string | undefined,
  body: unknown,
  authorization: string | undefined,
): TokenRequest {
  const form = formBody(contentType, body);
  const grantType = param(form, 'grant_type');
  if (!grantType) throw OAuthError.invalidRequest('grant_type is required');
  if (grantType !== 'client_credentials') {
    throw new OAuthError('unsupported_grant_type', `grant_type ${grantType} is not supported`);
  }
  const scope = param(form, 'scope');
  const scopes = scope === undefined ? undefined : scope.split(' ').filter((s) => s.length > 0);
  if (scopes?.some((s) => !SCOPE_TOKEN.test(s)))
    throw new OAuthError('invalid_scope', 'scope is malformed');
  const audience = audiences(form);
  return { ...clientCredentials(form, authorization), scopes, audience };
}
