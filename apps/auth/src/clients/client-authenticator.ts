import { Injectable } from '@nestjs/common';
import { AuthFailureThrottle } from '../limits/auth-failure-throttle';
import { OAuthError } from '../token/oauth.error';
import type { ClientCredentials } from '../token/token-request.parser';
import type { AuthClient } from './auth-client';
import { ClientLookup } from './client-lookup';
import { SecretVerifier } from './secret-verifier';

/**
 * Authenticates the client of an OAuth request: refused while its id or source IP is
 * throttled; unknown client, wrong secret, suspended and revoked all fail the same way (and
 * count as failures for the throttle).
 */
@Injectable()
export class ClientAuthenticator {
  constructor(
    private readonly clients: ClientLookup,
    private readonly secrets: SecretVerifier,
    private readonly throttle: AuthFailureThrottle,
  ) {}

  async authenticate(credentials: ClientCredentials, ip: string): Promise<AuthClient> {
    const blockedFor = this.throttle.blockedFor(credentials.clientId, ip);
    if (blockedFor > 0)
      throw OAuthError.tooMany(blockedFor, 'too many failed authentications; try again later');
    const client =
      this.clients.getIfPresent(credentials.clientId) ?? (await this.lookup(credentials.clientId));
    const authenticated = await this.secrets.verify(client, credentials.clientSecret);
    if (!client || !authenticated || client.status !== 'ACTIVE') {
      await this.throttle.recordFailure(credentials.clientId, ip).catch(() => undefined);
      throw OAuthError.invalidClient();
    }
    return client;
  }

  private async lookup(clientId: string): Promise<AuthClient | undefined> {
    try {
      return await this.clients.get(clientId);
    } catch {
      // Not cached and the registry cannot answer: refuse for now rather than guess.
      throw OAuthError.unavailable('the client registry is unavailable; retry');
    }
  }
}
