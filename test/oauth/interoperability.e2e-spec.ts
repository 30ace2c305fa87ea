import * as oidc from 'openid-client';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { freePort } from '@libs/testing';
import { OAuthHarness, type RegisteredClient } from './oauth-harness';

// A real client (openid-client, discovering the server from its RFC 8414 metadata) and a real
// resource server (jose against the JWKS), over real HTTP.
describe('interoperability with openid-client and jose', () => {
  let h: OAuthHarness;
  let issuer: string;
  let client: RegisteredClient;
  let config: oidc.Configuration;

  beforeAll(async () => {
    const port = await freePort();
    issuer = `http://127.0.0.1:${port}`;
    h = await OAuthHarness.start({ ISSUER: issuer });
    await h.auth.listen(port, '127.0.0.1');
    client = await h.client({ scopes: ['orders:read', 'introspect'] });
    config = await oidc.discovery(
      new URL(issuer),
      client.id,
      undefined,
      oidc.ClientSecretBasic(client.secret),
      {
        algorithm: 'oauth2',
        execute: [oidc.allowInsecureRequests],
      },
    );
  }, 30_000);

  afterAll(async () => {
    await h.close();
  });

  it('discovers exactly what the server supports', () => {
    const metadata = config.serverMetadata();
    expect(metadata).toMatchObject({
      issuer,
      token_endpoint: `${issuer}/oauth2/token`,
      jwks_uri: `${issuer}/.well-known/jwks.json`,
      introspection_endpoint: `${issuer}/oauth2/introspect`,
      revocation_endpoint: `${issuer}/oauth2/revoke`,
      grant_types_supported: ['client_credentials'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    });
  });

  it('obtains a token, which jose verifies against the JWKS as an RFC 9068 access token', async () => {
    const tokens = await oidc.clientCredentialsGrant(config, { scope: 'orders:read' });
    expect(tokens.token_type).toBe('bearer');
    const jwks = createRemoteJWKSet(new URL(`${issuer}/.well-known/jwks.json`));
    const { payload, protectedHeader } = await jwtVerify(tokens.access_token, jwks, {
      issuer,
      audience: issuer,
      typ: 'at+jwt',
      algorithms: ['ES256'],
    });
    expect(protectedHeader.typ).toBe('at+jwt');
    expect(payload).toMatchObject({ sub: client.id, client_id: client.id, scope: 'orders:read' });
  });

  it('introspects and revokes through openid-client', async () => {
    const tokens = await oidc.clientCredentialsGrant(config, { scope: 'orders:read' });
    expect(await oidc.tokenIntrospection(config, tokens.access_token)).toMatchObject({
      active: true,
      client_id: client.id,
    });
    await oidc.tokenRevocation(config, tokens.access_token);
    expect(await oidc.tokenIntrospection(config, tokens.access_token)).toEqual({ active: false });
  });
});
