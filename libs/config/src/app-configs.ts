import { IntersectionType } from '@nestjs/mapped-types';
import { IsInt, Max, Min } from 'class-validator';
import { AdminEnv, CommonEnv, DatabaseEnv, RedisEnv } from './common.env';
import { adminSection, baseSections, databaseSection, redisSection } from './config-sections';
import { validateEnv, type Env } from './validate-env';

// One schema per app, composed from the shared pieces. The fixed ports are the defaults of
// the platform's interface; each can be moved with its own variable.

export class AuthEnv extends IntersectionType(CommonEnv, DatabaseEnv, RedisEnv, AdminEnv) {
  @IsInt() @Min(1) @Max(65535) AUTH_PORT: number = 3000;
}

export class ClientRegistryEnv extends IntersectionType(
  CommonEnv,
  DatabaseEnv,
  RedisEnv,
  AdminEnv,
) {
  @IsInt() @Min(1) @Max(65535) CLIENT_REGISTRY_PORT: number = 3001;
}

export class EventConsumerEnv extends IntersectionType(CommonEnv, DatabaseEnv, RedisEnv) {
  @IsInt() @Min(1) @Max(65535) EVENT_CONSUMER_PORT: number = 3002;
}

export class SyncOrchestratorEnv extends IntersectionType(CommonEnv, DatabaseEnv, RedisEnv) {
  @IsInt() @Min(1) @Max(65535) SYNC_ORCHESTRATOR_PORT: number = 3003;
}

export class MailRelayEnv extends IntersectionType(CommonEnv, DatabaseEnv, RedisEnv) {
  @IsInt() @Min(1) @Max(65535) MAIL_RELAY_PORT: number = 3004;
}

// `process.env` is read here and nowhere else in the code base.
const processEnv = (): Env => process.env;

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

export function loadClientRegistryConfig(env: Env = processEnv()) {
  const e = validateEnv(ClientRegistryEnv, env);
  const warnings: string[] = [];
  return {
    ...baseSections('client-registry', e, e.CLIENT_REGISTRY_PORT, warnings),
    database: databaseSection(e),
    redis: redisSection(e),
    admin: adminSection(e, warnings),
  };
}

export function loadEventConsumerConfig(env: Env = processEnv()) {
  const e = validateEnv(EventConsumerEnv, env);
  return {
    ...baseSections('event-consumer', e, e.EVENT_CONSUMER_PORT, []),
    database: databaseSection(e),
    redis: redisSection(e),
  };
}

export function loadSyncOrchestratorConfig(env: Env = processEnv()) {
  const e = validateEnv(SyncOrchestratorEnv, env);
  return {
    ...baseSections('sync-orchestrator', e, e.SYNC_ORCHESTRATOR_PORT, []),
    database: databaseSection(e),
    redis: redisSection(e),
  };
}

export function loadMailRelayConfig(env: Env = processEnv()) {
  const e = validateEnv(MailRelayEnv, env);
  return {
    ...baseSections('mail-relay', e, e.MAIL_RELAY_PORT, []),
    database: databaseSection(e),
    redis: redisSection(e),
  };
}

export type AuthConfig = ReturnType<typeof loadAuthConfig>;
export type ClientRegistryConfig = ReturnType<typeof loadClientRegistryConfig>;
export type EventConsumerConfig = ReturnType<typeof loadEventConsumerConfig>;
export type SyncOrchestratorConfig = ReturnType<typeof loadSyncOrchestratorConfig>;
export type MailRelayConfig = ReturnType<typeof loadMailRelayConfig>;

/** Environment for tooling (migrations, test setup, CLIs) that only needs the stores. */
export class ToolingEnv extends IntersectionType(DatabaseEnv, RedisEnv) {}

export function loadToolingConfig(env: Env = processEnv()) {
  const e = validateEnv(ToolingEnv, env);
  return { database: databaseSection(e), redis: redisSection(e) };
}
