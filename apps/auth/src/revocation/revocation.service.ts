import { Injectable } from '@nestjs/common';
import { ClientAuthenticator } from '../clients/client-authenticator';
import { AccessTokenVerifier } from '../keys/access-token.verifier';
import { OAuthError } from '../token/oauth.error';
import { clientCredentials, formBody, tokenParam } from '../token/token-request.parser';
import type { OAuthHttpRequest } from '../token/oauth-route';
import { RevocationStore } from './revocation.store';

/** RFC 7009: the owning client revokes one of its tokens; unknown tokens answer 200 too. */
@Injectable()
export class RevocationService {
  constructor(
    private readonly authenticator: ClientAuthenticator,
    private readonly verifier: AccessTokenVerifier,
    private readonly store: RevocationStore,
  ) {}

  async revoke(http: OAuthHttpRequest): Promise<object> {
    const form = formBody(http.contentType, http.body);
    const caller = await this.authenticator.authenticate(
      clientCredentials(form, http.authorization),
      http.ip,
    );
    const { token } = tokenParam(form);
    // Hints are optional and only Bearer access tokens exist here, so any hint is ignored.
    const claims = this.verifier.verify(token);
    if (!claims) return {};
    if (claims.client_id !== caller.id) {
      throw new OAuthError('unauthorized_client', 'the token was not issued to this client');
    }
    try {
      await this.store.revoke(claims.jti, claims.client_id, claims.exp);
    } catch {
      throw OAuthError.unavailable('the revocation could not be stored; retry');
    }
    return {};
  }
}
