import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Max, Min, MinLength } from 'class-validator';
import { EnvBoolean, IsPostgresUrl, IsRedisUrl } from './env.validators';

export const NODE_ENVS = ['development', 'production', 'test'] as const;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Variables every app reads. */
export class CommonEnv {
  @IsIn(NODE_ENVS)
  NODE_ENV: (typeof NODE_ENVS)[number] = 'production';

  @IsIn(LOG_LEVELS)
  LOG_LEVEL: (typeof LOG_LEVELS)[number] = 'info';

  @IsString()
  HOST: string = '0.0.0.0';

  /** Trust X-Forwarded-For (only behind a proxy you control). */
  @EnvBoolean()
  @IsBoolean()
  TRUST_PROXY: boolean = false;

  /** How long readiness reports false before the server stops accepting work. */
  @IsInt()
  @Min(0)
  @Max(120_000)
  SHUTDOWN_DRAIN_MS: number = 5_000;

  /** Upper bound for closing consumers, flushing buffers and pools after the drain. */
  @IsInt()
  @Min(100)
  @Max(600_000)
  SHUTDOWN_TIMEOUT_MS: number = 20_000;
}

export class DatabaseEnv {
  @IsPostgresUrl()
  DATABASE_URL: string = 'postgres://postgres@127.0.0.1:5432/portico';

  @IsInt()
  @Min(1)
  @Max(200)
  DATABASE_POOL_SIZE: number = 10;
}

export class RedisEnv {
  @IsRedisUrl()
  REDIS_URL: string = 'redis://127.0.0.1:6379/0';

  /** Prepended to every Redis key and stream; lets tests and tenants share one Redis. */
  @IsOptional()
  @IsString()
  REDIS_KEY_PREFIX: string = '';
}

export class AdminEnv {
  /** Bearer token of the operator REST API; a development default exists only in development. */
  @IsOptional()
  @IsString()
  @MinLength(16)
  ADMIN_TOKEN?: string;
}

export class ClientCacheEnv {
  /** Lifetime of the Redis copy of a client record (`client:{id}`), in seconds. */
  @IsInt()
  @Min(1)
  @Max(86_400)
  CLIENT_REGISTRY_CACHE_TTL: number = 300;
}
