import { IntersectionType } from '@nestjs/mapped-types';
import { DatabaseEnv, RedisEnv } from './common.env';
import { databaseSection, redisSection } from './config-sections';
import { processEnv, validateEnv, type Env } from './validate-env';

/** Environment for tooling (migrations, test setup, CLIs) that only needs the stores. */
export class ToolingEnv extends IntersectionType(DatabaseEnv, RedisEnv) {}

export function loadToolingConfig(env: Env = processEnv()) {
  const e = validateEnv(ToolingEnv, env);
  return { database: databaseSection(e), redis: redisSection(e) };
}
