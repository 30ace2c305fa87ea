import type { Redis } from 'ioredis';
import type { RedisConfig } from '@libs/config';
import { closeRedis, createRedis } from '@libs/redis';
import { settlesWithin } from './backoff';

/** How long past its BLOCK time a read may stay silent before the socket counts as dead. */
const DEAD_SOCKET_GRACE_MS = 10_000;
const UNBLOCK_TIMEOUT_MS = 1_000;

/** A connection of its own for blocking reads (a blocked command would stall shared clients). */
export function createBlockingRedis(config: RedisConfig, name: string, blockMs: number): Redis {
  return createRedis(config, {
    enableAutoPipelining: false,
    connectionName: name.replace(/[^\w.:-]/g, '_'),
    // A half-open TCP connection would otherwise leave a blocked read waiting forever.
    socketTimeout: blockMs + DEAD_SOCKET_GRACE_MS,
  });
}

/**
 * Runs blocking reads on a dedicated connection and can end a read in progress early: CLIENT
 * UNBLOCK (sent on the command connection) makes it return as if it had timed out, so nothing
 * delivered is lost in flight when a consumer stops.
 */
export class BlockingReader {
  private clientId: number | undefined;
  private reading = false;

  constructor(
    private readonly conn: Redis,
    private readonly commands: Redis,
  ) {
    conn.on('close', () => (this.clientId = undefined));
  }

  /** Runs one read on the blocking connection. */
  async read<T>(command: (conn: Redis) => Promise<T>): Promise<T> {
    this.clientId ??= (await this.conn.client('ID')) as number;
    this.reading = true;
    try {
      return await command(this.conn);
    } finally {
      this.reading = false;
    }
  }

  /** Ends a blocked read now, if one is in progress and Redis answers promptly. */
  async interrupt(): Promise<void> {
    if (!this.reading || this.clientId === undefined) return;
    const unblock = this.commands.client('UNBLOCK', this.clientId).catch(() => 0);
    await settlesWithin(unblock, UNBLOCK_TIMEOUT_MS);
  }

  close(): Promise<void> {
    return closeRedis(this.conn);
  }

  /** Drops the connection at once (a read in progress fails). */
  disconnect(): void {
    this.conn.disconnect();
  }
}
