import { IntersectionType } from '@nestjs/mapped-types';
import { IsInt, Max, Min } from 'class-validator';
import { CommonEnv, DatabaseEnv, RedisEnv } from './common.env';
import { baseSections, databaseSection, redisSection } from './config-sections';
import { processEnv, validateEnv, type Env } from './validate-env';

/** Environment of the sync-orchestrator app, composed from the shared pieces. */
export class SyncOrchestratorEnv extends IntersectionType(CommonEnv, DatabaseEnv, RedisEnv) {
  @IsInt()
  @Min(1)
  @Max(65535)
  SYNC_ORCHESTRATOR_PORT: number = 3003;
}

export function loadSyncOrchestratorConfig(env: Env = processEnv()) {
  const e = validateEnv(SyncOrchestratorEnv, env);
  return {
    ...baseSections('sync-orchestrator', e, e.SYNC_ORCHESTRATOR_PORT, []),
    database: databaseSection(e),
    redis: redisSection(e),
  };
}

export type SyncOrchestratorConfig = ReturnType<typeof loadSyncOrchestratorConfig>;
