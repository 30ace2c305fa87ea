import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { ReadinessCheck } from '@libs/observability';
import { REDIS } from './redis.constants';

/** Ready when the client is connected and PING answers. */
@Injectable()
export class RedisHealthCheck implements ReadinessCheck {
  readonly name = 'redis';

  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async check(): Promise<void> {
    // While ioredis reconnects, PING would wait in the offline queue: answer "down" at once.
    if (this.redis.status !== 'ready') throw new Error(`redis is ${this.redis.status}`);
    await this.redis.ping();
  }
}
