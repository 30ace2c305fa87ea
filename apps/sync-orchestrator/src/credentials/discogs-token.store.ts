/**
 * Where users' Discogs tokens are kept: in production the client-registry's `credentials.put`
 * / `credentials.get` RPC, stored encrypted as the user's `discogs` credential.
 */
export abstract class DiscogsTokenStore {
  /** Stores (or replaces) the user's token. */
  abstract put(userId: string, token: string): Promise<void>;
  /** The user's token, if one is stored. */
  abstract get(userId: string): Promise<string | undefined>;
}
