/**
 * An in-memory stand-in for sync-orchestrator's Discogs token store (the client-registry's
 * `credentials.put/get` RPC in production). Records what was stored so tests can assert it.
 */
export class FakeDiscogsTokenStore {
  readonly tokens = new Map<string, string>();

  async put(userId: string, token: string): Promise<void> {
    this.tokens.set(userId, token);
  }

  async get(userId: string): Promise<string | undefined> {
    return this.tokens.get(userId);
  }
}
