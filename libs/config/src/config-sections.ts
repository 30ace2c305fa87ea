import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { AdminEnv, CommonEnv, DatabaseEnv, RedisEnv } from './common.env';
import { ConfigError } from './config.error';

export type AppName =
  'auth' | 'client-registry' | 'event-consumer' | 'sync-orchestrator' | 'mail-relay';

/** Who this process is; `instanceId` is unique per process (reply streams, consumer names). */
export class AppInfo {
  constructor(
    readonly name: AppName,
    readonly nodeEnv: CommonEnv['NODE_ENV'],
    readonly instanceId: string,
  ) {}
}

export class HttpConfig {
  constructor(
    readonly host: string,
    readonly port: number,
    readonly trustProxy: boolean,
  ) {}
}

export class LogConfig {
  constructor(readonly level: CommonEnv['LOG_LEVEL']) {}
}

export class ShutdownConfig {
  constructor(
    readonly drainMs: number,
    readonly timeoutMs: number,
  ) {}
}

export class DatabaseConfig {
  constructor(
    readonly url: string,
    readonly poolSize: number,
  ) {}
}

export class RedisConfig {
  constructor(
    readonly url: string,
    readonly keyPrefix: string,
  ) {}
}

export class AdminConfig {
  constructor(readonly token: string) {}
}

/** The sections every app has; app loaders add their own beside them. */
export interface BaseConfig {
  readonly app: AppInfo;
  readonly http: HttpConfig;
  readonly log: LogConfig;
  readonly shutdown: ShutdownConfig;
  /** Things an operator must know at boot (development defaults in use). */
  readonly warnings: readonly string[];
}

export function baseSections(
  name: AppName,
  env: CommonEnv,
  port: number,
  warnings: string[],
): BaseConfig {
  const instanceId = `${name}-${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  return {
    app: new AppInfo(name, env.NODE_ENV, instanceId),
    http: new HttpConfig(env.HOST, port, env.TRUST_PROXY),
    log: new LogConfig(env.LOG_LEVEL),
    shutdown: new ShutdownConfig(env.SHUTDOWN_DRAIN_MS, env.SHUTDOWN_TIMEOUT_MS),
    warnings,
  };
}

export const databaseSection = (env: DatabaseEnv) =>
  new DatabaseConfig(env.DATABASE_URL, env.DATABASE_POOL_SIZE);

export const redisSection = (env: RedisEnv) => new RedisConfig(env.REDIS_URL, env.REDIS_KEY_PREFIX);

const DEV_ADMIN_TOKEN = 'portico-development-admin-token';

/** The operator token; outside development it must be set explicitly. */
export function adminSection(env: AdminEnv & CommonEnv, warnings: string[]): AdminConfig {
  if (env.ADMIN_TOKEN) return new AdminConfig(env.ADMIN_TOKEN);
  if (env.NODE_ENV !== 'development') {
    throw new ConfigError(['ADMIN_TOKEN: is required unless NODE_ENV=development']);
  }
  warnings.push(`ADMIN_TOKEN is not set: using the development token "${DEV_ADMIN_TOKEN}"`);
  return new AdminConfig(DEV_ADMIN_TOKEN);
}

/** The Redis (L2) copy of client records, owned by the registry and read by auth. */
export class ClientCacheConfig {
  constructor(readonly ttlSeconds: number) {}
}
