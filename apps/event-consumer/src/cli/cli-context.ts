import type { Redis } from 'ioredis';
import type { Keyspace } from '@libs/redis';

/** What every command gets: the Redis connection, the key prefix and where to print. */
export interface CliContext {
  redis: Redis;
  keyspace: Keyspace;
  /** `MAXLEN ~` of the XADDs commands make. */
  maxLen: number;
  out(line: string): void;
}
