/**
 * Prefixes every Redis key and stream name of one deployment (or one test). The prefix holds
 * no `{}` so the hash tags inside key names stay the only thing Redis Cluster hashes.
 */
export class Keyspace {
  constructor(readonly prefix: string) {
    if (/[{}]/.test(prefix)) throw new Error('REDIS_KEY_PREFIX must not contain { or }');
  }

  key(name: string): string {
    return this.prefix + name;
  }
}
