import { Injectable } from '@nestjs/common';
import { INTROSPECT_SCOPE } from '../clients/auth-client';
import { ClientAuthenticator } from '../clients/client-authenticator';
import { ClientLookup } from '../clients/client-lookup';
import { AccessTokenVerifier } from '../keys/access-token.verifier';
import { RevocationStore } from '../revocation/revocation.store';
import { OAuthError } from '../token/oauth.error';
import { clientCredentials, formBody, tokenParam } from '../token/token-request.parser';
import type { OAuthHttpRequest } from '../token/oauth-route';

const INACTIVE = Object.freeze({ active: false });

/**
 * RFC 7662 for clients holding the `introspect` permission. A token is active only when its
 * signature, issuer and expiry hold, it is not revoked, and its client is active and was not
 * revoked after the token was issued. Every inactive token answers exactly `{"active":false}`.
 */
@Injectable()
export class IntrospectionService {
  constructor(
    private readonly authenticator: ClientAuthenticator,
    private readonly verifier: AccessTokenVerifier,
    private readonly revocations: RevocationStore,
    private readonly clients: ClientLookup,
  ) {}

  async introspect(http: OAuthHttpRequest): Promise<object> {
    const form = formBody(http.contentType, http.body);
    const caller = await this.authenticator.authenticate(
      clientCredentials(form, http.authorization),
      http.ip,
    );
    if (!caller.scopes.has(INTROSPECT_SCOPE)) {
      throw new OAuthError('unauthorized_client', 'this client may not introspect tokens', 403);
    }
    const claims = this.verifier.verify(tokenParam(form).token);
    if (!claims) return INACTIVE;
    try {
      if (await this.revocations.isRevoked(claims.jti)) return INACTIVE;
      const client =
        this.clients.getIfPresent(claims.client_id) ?? (await this.clients.get(claims.client_id));
      if (!client || client.status !== 'ACTIVE' || claims.iat < client.revokedBefore)
        return INACTIVE;
    } catch {
      // Fail closed: without the revocation store or the registry, no token is vouched for.
      throw OAuthError.unavailable('token state cannot be checked right now; retry');
    }
    const { iss, sub, client_id, aud, scope, iat, exp, jti } = claims;
    return { active: true, scope, client_id, token_type: 'Bearer', exp, iat, sub, aud, iss, jti };
  }
}
