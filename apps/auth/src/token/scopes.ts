import type { AuthClient } from '../clients/auth-client';
import { OAuthError } from './oauth.error';

/**
 * The scope of a new token: the requested scopes when every one is granted to the client,
 * else `invalid_scope`; without a request, the client's default scopes (all but `introspect`,
 * which a token only carries when asked for).
 */
export function resolveScope(client: AuthClient, requested: readonly string[] | undefined): string {
  if (requested === undefined || requested.length === 0) return client.defaultScope;
  const unique = [...new Set(requested)];
  for (const scope of unique) {
    if (!client.scopes.has(scope))
      throw new OAuthError('invalid_scope', `scope ${scope} is not granted to this client`);
  }
  return unique.join(' ');
}
