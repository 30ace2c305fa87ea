import { IntersectionType } from '@nestjs/mapped-types';
import { IsInt, Max, Min } from 'class-validator';
import { CommonEnv, DatabaseEnv, RedisEnv } from './common.env';
import { baseSections, databaseSection, redisSection } from './config-sections';
import { processEnv, validateEnv, type Env } from './validate-env';

/** Environment of the event-consumer app, composed from the shared pieces. */
export class EventConsumerEnv extends IntersectionType(CommonEnv, DatabaseEnv, RedisEnv) {
  @IsInt()
  @Min(1)
  @Max(65535)
  EVENT_CONSUMER_PORT: number = 3002;
}

export function loadEventConsumerConfig(env: Env = processEnv()) {
  const e = validateEnv(EventConsumerEnv, env);
  return {
    ...baseSections('event-consumer', e, e.EVENT_CONSUMER_PORT, []),
    database: databaseSection(e),
    redis: redisSection(e),
  };
}

export type EventConsumerConfig = ReturnType<typeof loadEventConsumerConfig>;
