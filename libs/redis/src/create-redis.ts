import { Logger } from '@nestjs/common';
import { Redis, type RedisOptions } from 'ioredis';
import type { RedisConfig } from '@libs/config';

/**
 * A client for Portico's Redis. Commands fail fast-ish while Redis is down (a few retries, then
 * an error) instead of queueing forever; reconnects back off up to 2 s so an outage costs no CPU.
 */
export function createRedis(config: RedisConfig, overrides: RedisOptions = {}): Redis {
  const client = new Redis(config.url, {
    maxRetriesPerRequest: 2,
    retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 2_000),
    enableAutoPipelining: true,
    lazyConnect: false,
    ...overrides,
  });
  logErrors(client);
  return client;
}

const logger = new Logger('Redis');

/**
 * Logs connection errors once per outage (one JSON line, not ioredis's "Unhandled error event"
 * dump on every reconnect attempt); readiness reports the outage meanwhile.
 */
export function logErrors(client: Redis): void {
  let reported = false;
  client.on('error', (error: Error) => {
    if (reported) return;
    reported = true;
    logger.warn(`Redis connection error: ${error.message}; reconnecting`);
  });
  client.on('ready', () => {
    if (reported) logger.log('Redis connection restored');
    reported = false;
  });
}

/** Closes a client whatever its state; safe to call twice. */
export async function closeRedis(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  try {
    await client.quit();
  } catch {
    // quit fails when the connection is already gone; disconnect stops reconnect attempts then.
    client.disconnect();
  }
}
