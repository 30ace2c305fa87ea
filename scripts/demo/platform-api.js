// The platform's HTTP APIs as the demo calls them: auth's discovery, token, introspection and
// JWKS (RFC 8414, 6749, 7662, 9068) and the registry's operator API.
const { createRemoteJWKSet, jwtVerify } = require('jose');

const TIMEOUT_MS = 5_000;

/** RFC 6749 Appendix B: HTTP Basic credentials of a form-encoded client id and secret. */
function basic({ id, secret }) {
  const encode = (s) => encodeURIComponent(s).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${encode(id)}:${encode(secret)}`).toString('base64')}`;
}

class PlatformApi {
  constructor(settings) {
    this.settings = settings;
    this.metadata = undefined;
    this.jwks = undefined;
  }

  /**
   * Reads auth's metadata. Its endpoints are used as published, on AUTH_URL's origin when the
   * issuer names a host this machine may not resolve (a container's service name).
   */
  async discover() {
    const url = `${this.settings.authUrl}/.well-known/oauth-authorization-server`;
    const { status, body } = await this.call('auth', url);
    if (status !== 200)
      throw new Error(`auth discovery answered ${status}: ${JSON.stringify(body)}`);
    const origin = new URL(this.settings.authUrl).origin;
    const rebase = (endpoint) => {
      const u = new URL(endpoint);
      return `${origin}${u.pathname}${u.search}`;
    };
    this.metadata = {
      issuer: body.issuer,
      rebased: new URL(body.issuer).origin !== origin,
      alg: (body.access_token_signing_alg_values_supported ?? []).join(', '),
      token: rebase(body.token_endpoint),
      introspection: rebase(body.introspection_endpoint),
      jwks: rebase(body.jwks_uri),
    };
    this.jwks = createRemoteJWKSet(new URL(this.metadata.jwks));
    return this.metadata;
  }

  async registryReady() {
    const { status } = await this.call('registry', `${this.settings.registryUrl}/health/ready`);
    return status === 200;
  }

  /** GET /admin/clients/:id: the client as operators see it, or undefined while unknown. */
  async registryClient(clientId) {
    const url = `${this.settings.registryUrl}/admin/clients/${clientId}`;
    const { status, body } = await this.call('registry', url, {
      headers: { authorization: `Bearer ${this.settings.adminToken}` },
    });
    if (status === 404) return undefined;
    if (status === 401 || status === 403)
      throw new Error(`the registry refused ADMIN_TOKEN (${status}): pass the platform's token`);
    if (status !== 200) throw new Error(`registry answered ${status}: ${JSON.stringify(body)}`);
    return body;
  }

  /** POST /oauth2/token, client_credentials with client_secret_basic. */
  token(client) {
    return this.form(this.metadata.token, client, { grant_type: 'client_credentials' });
  }

  /** POST /oauth2/introspect as `caller` (a client holding the `introspect` scope). */
  introspect(caller, token) {
    return this.form(this.metadata.introspection, caller, { token });
  }

  /** Verifies an access token's signature against the JWKS, its issuer and its type. */
  async verify(token) {
    return jwtVerify(token, this.jwks, { issuer: this.metadata.issuer, typ: 'at+jwt' });
  }

  form(url, client, fields) {
    return this.call('auth', url, {
      method: 'POST',
      headers: {
        authorization: basic(client),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams(fields).toString(),
    });
  }

  /** One request; an unreachable service becomes an error that says which and where. */
  async call(service, url, init = {}) {
    let res;
    try {
      res = await fetch(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
    } catch (error) {
      const reason = error.cause?.code ?? error.cause?.message ?? error.message;
      throw new Error(
        `${service} is not reachable at ${new URL(url).origin} (${reason}); is the platform running (npm start)?`,
      );
    }
    const text = await res.text();
    let body = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: keep the text for the message
    }
    return { status: res.status, body };
  }
}

module.exports = { PlatformApi };
