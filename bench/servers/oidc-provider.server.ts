// oidc-provider configured for the client_credentials grant with ES256 JWT access tokens (RFC
// 9068 format through resource indicators), in-memory adapter: the benchmark's reference server.
import { exportJWK, generateKeyPair } from 'jose';

async function main(): Promise<void> {
  const [port, clientId, clientSecret, issuer] = process.argv.slice(2);
  // oidc-provider is an ES module; Node 24 loads it through require(esm).
  const { default: Provider } = await import('oidc-provider');
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), alg: 'ES256', use: 'sig', kid: 'oidc-provider' };
  const resource = issuer;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
        token_endpoint_auth_method: 'client_secret_basic',
        id_token_signed_response_alg: 'ES256',
      },
    ],
    jwks: { keys: [jwk] },
    scopes: ['bench'],
    features: {
      clientCredentials: { enabled: true },
      devInteractions: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => resource,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          scope: 'bench',
          audience: resource,
          accessTokenTTL: 900,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'ES256' } },
        }),
      },
    },
  });
  provider.listen(Number(port), () => process.send?.('ready'));
}

void main();
