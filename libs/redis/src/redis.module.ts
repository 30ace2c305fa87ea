import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { RedisConfig } from '@libs/config';
import { closeRedis, createRedis } from './create-redis';
import { Keyspace } from './keyspace';
import { REDIS } from './redis.constants';
import { RedisHealthCheck } from './redis.health';

/** The app's shared Redis client (`@Inject(REDIS)`), its keyspace and its readiness check. */
@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [RedisConfig],
      useFactory: (config: RedisConfig) => createRedis(config),
    },
    {
      provide: Keyspace,
      inject: [RedisConfig],
      useFactory: (c: RedisConfig) => new Keyspace(c.keyPrefix),
    },
    RedisHealthCheck,
  ],
  exports: [REDIS, Keyspace, RedisHealthCheck],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async onApplicationShutdown(): Promise<void> {
    await closeRedis(this.redis);
  }
}
