import { Controller, Get, Header } from '@nestjs/common';
import { TokenConfig } from '@libs/config';
import { SigningKeys, type PublishedJwk } from '../keys/signing-keys';

const CLIENT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post'];

/** RFC 8414 metadata (exactly what this server supports) and the JWKS. */
@Controller('.well-known')
export class DiscoveryController {
  private readonly metadata: Record<string, unknown>;

  constructor(
    config: TokenConfig,
    private readonly keys: SigningKeys,
  ) {
    const issuer = config.issuer;
    this.metadata = {
      issuer,
      token_endpoint: `${issuer}/oauth2/token`,
      jwks_uri: `${issuer}/.well-known/jwks.json`,
      introspection_endpoint: `${issuer}/oauth2/introspect`,
      revocation_endpoint: `${issuer}/oauth2/revoke`,
      grant_types_supported: ['client_credentials'],
      response_types_supported: [],
      token_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
      introspection_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
      revocation_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
      access_token_signing_alg_values_supported: [config.alg],
    };
  }

  @Get('oauth-authorization-server')
  @Header('Cache-Control', 'public, max-age=300')
  discovery(): Record<string, unknown> {
    return this.metadata;
  }

  @Get('jwks.json')
  @Header('Cache-Control', 'public, max-age=300')
  jwks(): { keys: PublishedJwk[] } {
    return this.keys.jwks();
  }
}
