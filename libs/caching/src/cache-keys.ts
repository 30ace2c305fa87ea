import type { Keyspace } from '@libs/redis';

/**
 * Every Redis cache key of Portico, built in one place. The id sits in braces, a Redis Cluster
 * hash tag, so each record's key (and anything later stored beside it) maps to one slot; the
 * deployment's Keyspace prefix comes first and holds no braces.
 */
export class CacheKeys {
  constructor(private readonly keyspace: Keyspace) {}

  /** L2 copy of one API client's registry record: `<prefix>client:{<client_id>}`. */
  client(clientId: string): string {
    return this.keyspace.key(`client:{${clientId}}`);
  }

  /** Marker of one revoked access token: `<prefix>revoked:{<jti>}`. */
  revoked(jti: string): string {
    return this.keyspace.key(`revoked:{${jti}}`);
  }
}
