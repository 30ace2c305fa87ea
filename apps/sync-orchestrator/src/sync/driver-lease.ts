import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { AppInfo, SyncPacingConfig } from '@libs/config';
import { Keyspace, REDIS } from '@libs/redis';

// Renew or release only while the key still names this pod: a claim that expired and was
// taken by another pod must not be extended or deleted.
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1]) else return 0 end`;

/**
 * Which pod drives a user's syncs: a Redis key per user naming the pod, with a TTL renewed
 * while the pod lives. Exactly one pod paces a user, wherever the user's sockets are.
 */
@Injectable()
export class DriverLease {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly keyspace: Keyspace,
    private readonly app: AppInfo,
    private readonly pacing: SyncPacingConfig,
  ) {}

  /** Claims the user for this pod; false when another pod holds the claim. */
  async acquire(userId: string): Promise<boolean> {
    const set = await this.redis.set(
      this.key(userId),
      this.app.instanceId,
      'PX',
      this.pacing.driverLeaseMs,
      'NX',
    );
    if (set === 'OK') return true;
    // A claim of this very pod (a reconnect before its release) counts as held.
    return (await this.redis.get(this.key(userId))) === this.app.instanceId;
  }

  /** Extends the claims of these users; answers the users whose claim was lost. */
  async renew(userIds: readonly string[]): Promise<string[]> {
    if (userIds.length === 0) return [];
    const results = await Promise.all(
      userIds.map((id) =>
        this.redis.eval(RENEW, 1, this.key(id), this.app.instanceId, this.pacing.driverLeaseMs),
      ),
    );
    return userIds.filter((_, i) => results[i] !== 1);
  }

  async release(userId: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.key(userId), this.app.instanceId);
  }

  private key(userId: string): string {
    return this.keyspace.key(`sync:driver:${userId}`);
  }
}
