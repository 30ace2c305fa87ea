import { IntersectionType } from '@nestjs/mapped-types';
import { IsInt, Max, Min } from 'class-validator';
import { CommonEnv, DatabaseEnv, RedisEnv, AdminEnv } from './common.env';
import { baseSections, databaseSection, redisSection, adminSection } from './config-sections';
import { processEnv, validateEnv, type Env } from './validate-env';

/** Environment of the auth app, composed from the shared pieces. */
export class AuthEnv extends IntersectionType(CommonEnv, DatabaseEnv, RedisEnv, AdminEnv) {
  @IsInt()
  @Min(1)
  @Max(65535)
  AUTH_PORT: number = 3000;
}

export function loadAuthConfig(env: Env = processEnv()) {
  const e = validateEnv(AuthEnv, env);
  const warnings: string[] = [];
  return {
    ...baseSections('auth', e, e.AUTH_PORT, warnings),
    database: databaseSection(e),
    redis: redisSection(e),
    admin: adminSection(e, warnings),
  };
}

export type AuthConfig = ReturnType<typeof loadAuthConfig>;
