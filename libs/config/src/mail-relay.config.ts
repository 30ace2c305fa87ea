import { IntersectionType } from '@nestjs/mapped-types';
import { IsInt, Max, Min } from 'class-validator';
import { CommonEnv, DatabaseEnv, RedisEnv } from './common.env';
import { baseSections, databaseSection, redisSection } from './config-sections';
import { processEnv, validateEnv, type Env } from './validate-env';

/** Environment of the mail-relay app, composed from the shared pieces. */
export class MailRelayEnv extends IntersectionType(CommonEnv, DatabaseEnv, RedisEnv) {
  @IsInt()
  @Min(1)
  @Max(65535)
  MAIL_RELAY_PORT: number = 3004;
}

export function loadMailRelayConfig(env: Env = processEnv()) {
  const e = validateEnv(MailRelayEnv, env);
  return {
    ...baseSections('mail-relay', e, e.MAIL_RELAY_PORT, []),
    database: databaseSection(e),
    redis: redisSection(e),
  };
}

export type MailRelayConfig = ReturnType<typeof loadMailRelayConfig>;
