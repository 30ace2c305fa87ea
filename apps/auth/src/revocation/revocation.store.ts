import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { CacheKeys } from '@libs/caching';
import { REDIS } from '@libs/redis';

/**
 * Revoked token ids: `revoked:{jti}` in Redis (every pod sees it at once; expires with the
 * token) and `auth.revocations` in PostgreSQL (durable; consulted when Redis does not know, so
 * a Redis restart forgets nothing).
 */
@Injectable()
export class RevocationStore {
  private readonly logger = new Logger(RevocationStore.name);

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly keys: CacheKeys,
    private readonly dataSource: DataSource,
  ) {}

  async isRevoked(jti: string): Promise<boolean> {
    try {
      if ((await this.redis.exists(this.keys.revoked(jti))) === 1) return true;
    } catch (error) {
      this.logger.warn({ err: error }, 'revocation lookup in Redis failed; asking PostgreSQL');
    }
    const rows = (await this.dataSource.query('SELECT 1 FROM auth.revocations WHERE jti = $1', [
      jti,
    ])) as unknown[];
    return rows.length > 0;
  }

  /** Records a revocation; rejects when PostgreSQL cannot store it (the caller answers 503). */
  async revoke(jti: string, clientId: string, expiresAt: number): Promise<void> {
    const ttlMs = Math.max(1_000, expiresAt * 1000 - Date.now());
    await this.redis
      .set(this.keys.revoked(jti), '1', 'PX', ttlMs)
      .catch((error: unknown) =>
        this.logger.warn({ err: error }, 'revocation not written to Redis; PostgreSQL holds it'),
      );
    await this.dataSource.query(
      'INSERT INTO auth.revocations (jti, client_id, expires_at) VALUES ($1, $2, to_timestamp($3)) ON CONFLICT (jti) DO NOTHING',
      [jti, clientId, expiresAt],
    );
  }
}
