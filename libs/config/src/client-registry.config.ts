import { IntersectionType } from '@nestjs/mapped-types';
import { IsInt, Max, Min } from 'class-validator';
import { AdminEnv, ClientCacheEnv, CommonEnv, DatabaseEnv, RedisEnv } from './common.env';
import {
  ClientCacheConfig,
  baseSections,
  databaseSection,
  redisSection,
  adminSection,
} from './config-sections';
import { KekEnv, kekSection } from './kek.env';
import { ProviderClientsEnv, providerClientsSection } from './provider-clients.env';
import { processEnv, validateEnv, type Env } from './validate-env';

/** Environment of the client-registry app, composed from the shared pieces. */
export class ClientRegistryEnv extends IntersectionType(
  CommonEnv,
  DatabaseEnv,
  RedisEnv,
  AdminEnv,
  ClientCacheEnv,
  KekEnv,
  ProviderClientsEnv,
) {
  @IsInt()
  @Min(1)
  @Max(65535)
  CLIENT_REGISTRY_PORT: number = 3001;
}

export function loadClientRegistryConfig(env: Env = processEnv()) {
  const e = validateEnv(ClientRegistryEnv, env);
  const warnings: string[] = [];
  return {
    ...baseSections('client-registry', e, e.CLIENT_REGISTRY_PORT, warnings),
    database: databaseSection(e),
    redis: redisSection(e),
    admin: adminSection(e, warnings),
    clientCache: new ClientCacheConfig(e.CLIENT_REGISTRY_CACHE_TTL),
    kek: kekSection(e, warnings),
    providerClients: providerClientsSection(e, warnings),
  };
}

export type ClientRegistryConfig = ReturnType<typeof loadClientRegistryConfig>;

/** Environment of the credentials command line (`npm run credentials`): the database and the KEK. */
export class CredentialsCliEnv extends IntersectionType(CommonEnv, DatabaseEnv, KekEnv) {}

export function loadCredentialsCliConfig(env: Env = processEnv()) {
  const e = validateEnv(CredentialsCliEnv, env);
  const warnings: string[] = [];
  return { database: databaseSection(e), kek: kekSection(e, warnings), warnings };
}
